package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

type transferJSON struct {
	ID        uint64 `json:"id"`
	From      string `json:"from"`
	To        string `json:"to"`
	SKU       string `json:"sku"`
	Name      string `json:"name,omitempty"`
	Qty       int64  `json:"qty"`
	OrderNo   string `json:"order_no"`
	Status    string `json:"status"`
	Assignee  string `json:"assignee,omitempty"`
	CreatedAt string `json:"created_at"`
	// DispatchedAt is when the goods left the source warehouse (发出),
	// with Carrier and WaybillNo; null until then.
	DispatchedAt *string `json:"dispatched_at"`
	DispatchedBy string  `json:"dispatched_by,omitempty"`
	Carrier      string  `json:"carrier,omitempty"`
	WaybillNo    string  `json:"waybill_no,omitempty"`
	ReceivedAt   *string `json:"received_at"`
	ReceivedBy   string  `json:"received_by,omitempty"`
}

func (s *Server) transferOut(t service.TransferView) transferJSON {
	return transferJSON{ID: t.ID, From: t.From, To: t.To, SKU: t.SKU, Name: t.Name, Qty: t.Qty, OrderNo: t.OrderNo, Status: t.Status,
		Assignee: t.Assignee, CreatedAt: s.ts(t.CreatedAt), ReceivedAt: s.tsPtr(t.ReceivedAt), ReceivedBy: t.ReceivedBy,
		DispatchedAt: s.tsPtr(t.DispatchedAt), DispatchedBy: t.DispatchedBy, Carrier: t.Carrier, WaybillNo: t.WaybillNo}
}

// dispatchTransfer is the sending keeper's 发出: the goods left, with a
// carrier and a waybill.
func (s *Server) dispatchTransfer(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		writeErr(c, http.StatusBadRequest, "invalid_id", "调拨单号须为数字")
		return
	}
	var in struct {
		By        string `json:"by"`
		Carrier   string `json:"carrier"`
		WaybillNo string `json:"waybill_no"`
	}
	if !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	t, err := s.d.Transfers.Dispatch(c.Request.Context(), service.Dispatch{ID: id, Carrier: in.Carrier, WaybillNo: in.WaybillNo, Actor: actor})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"transfer": s.transferOut(t)})
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
		writeErr(c, http.StatusBadRequest, "invalid_id", "调拨单号须为数字")
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
