package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

type transferJSON struct {
	ID         uint64  `json:"id"`
	From       string  `json:"from"`
	To         string  `json:"to"`
	SKU        string  `json:"sku"`
	Name       string  `json:"name,omitempty"`
	Qty        int64   `json:"qty"`
	OrderNo    string  `json:"order_no"`
	Status     string  `json:"status"`
	Assignee   string  `json:"assignee,omitempty"`
	CreatedAt  string  `json:"created_at"`
	ReceivedAt *string `json:"received_at"`
	ReceivedBy string  `json:"received_by,omitempty"`
}

func (s *Server) transferOut(t service.TransferView) transferJSON {
	return transferJSON{ID: t.ID, From: t.From, To: t.To, SKU: t.SKU, Name: t.Name, Qty: t.Qty, OrderNo: t.OrderNo, Status: t.Status,
		Assignee: t.Assignee, CreatedAt: s.ts(t.CreatedAt), ReceivedAt: s.tsPtr(t.ReceivedAt), ReceivedBy: t.ReceivedBy}
}

func (s *Server) listTransfers(c *gin.Context) {
	ts, err := s.d.Transfers.List(c.Request.Context(), service.TransferFilter{SKU: c.Query("sku"), OrderNo: c.Query("order"), Status: c.Query("status")})
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]transferJSON, len(ts))
	for i, t := range ts {
		items[i] = s.transferOut(t)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) receiveTransfer(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		writeErr(c, http.StatusBadRequest, "invalid_id", "transfer id must be a number")
		return
	}
	var in struct {
		By string `json:"by"`
	}
	if c.Request.ContentLength != 0 && !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	t, err := s.d.Transfers.Receive(c.Request.Context(), id, actor)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"transfer": s.transferOut(t)})
}
