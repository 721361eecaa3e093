// Package apiorder is the part of placing an order that the JSON edges
// (the staff API and the mini-program) share: reading the lines of the
// body, and answering a placement, new or replayed by its Idempotency-Key.
// The order itself is placed by service.Orders.Create, for both.
package apiorder

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apierror"
	"orderhub/internal/jsonbody"
	"orderhub/service"
)

// Line is an order line as both edges receive it.
type Line struct {
	SKU string          `json:"sku"`
	Qty json.RawMessage `json:"qty"` // a JSON integer: jsonbody.Int
}

// Lines reads in as the service's lines. A quantity that is not a whole
// number above 0 is answered 422 invalid_qty, naming the line, and Lines
// returns false.
func Lines(c *gin.Context, in []Line) ([]service.LineInput, bool) {
	lines := make([]service.LineInput, len(in))
	for i, l := range in {
		qty, ok := jsonbody.Int(l.Qty)
		if !ok {
			field := fmt.Sprintf("lines[%d].qty", i)
			c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apierror.Body{Error: apierror.Detail{
				Code: "invalid_qty", Field: field, Message: fmt.Sprintf("%s: 数量须为大于 0 的整数，收到 %s", field, l.Qty),
			}})
			return nil, false
		}
		lines[i] = service.LineInput{SKU: l.SKU, Qty: qty}
	}
	return lines, true
}

// Answer answers a placement with body: 201 for a new order; 200 with
// Idempotent-Replayed for a retry, which created nothing and answers the
// order the first request created.
func Answer(c *gin.Context, created bool, body any) {
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(status, body)
}
