package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

type stockJSON struct {
	Warehouse string `json:"warehouse"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	OnHand    int64  `json:"on_hand"`
	Locked    int64  `json:"locked"`
	Available int64  `json:"available"`
}

func stockOut(l service.StockLine) stockJSON {
	return stockJSON{Warehouse: l.Warehouse, SKU: l.SKU, Name: l.Name, OnHand: l.OnHand, Locked: l.Locked, Available: l.Available}
}

func (s *Server) listStock(c *gin.Context) {
	lines, err := s.d.Stock.List(c.Request.Context(), c.Query("sku"))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]stockJSON, len(lines))
	for i, l := range lines {
		items[i] = stockOut(l)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) adjustStock(c *gin.Context) {
	var in struct {
		Warehouse string `json:"warehouse"`
		SKU       string `json:"sku"`
		Delta     int64  `json:"delta"`
		Reason    string `json:"reason"`
		By        string `json:"by"`
	}
	if !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	line, err := s.d.Stock.Adjust(c.Request.Context(), service.Adjustment{Warehouse: in.Warehouse, SKU: in.SKU, Delta: in.Delta, Reason: in.Reason, Actor: actor})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stock": stockOut(line)})
}

// actor resolves the optional "by" of a staff API call: a registered
// WeCom userid acts with their roles; none acts as the admin token.
func (s *Server) actor(c *gin.Context, by string) (service.Actor, bool) {
	if by == "" {
		return service.Admin, true
	}
	a, err := s.d.Catalog.StaffActor(c.Request.Context(), by)
	if err != nil {
		if service.ErrorCode(err) == service.CodeNotFound("staff") {
			writeErr(c, http.StatusUnprocessableEntity, "unknown_staff", "by: 没有在职员工的 userid 是 "+by)
			return a, false
		}
		s.fail(c, err)
		return a, false
	}
	return a, true
}
