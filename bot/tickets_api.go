package bot

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

type ticketJSON struct {
	No           string  `json:"no"`
	Kind         string  `json:"kind"`
	State        string  `json:"state"`
	OrderNo      string  `json:"order_no"`
	Assignee     *string `json:"assignee"` // WeCom userid
	AssigneeName *string `json:"assignee_name"`
	Reporter     string  `json:"reporter"`
	Description  string  `json:"description"`
	Resolution   string  `json:"resolution"`
	CreatedAt    string  `json:"created_at"`
	AckAt        *string `json:"ack_at"`
	ResolvedAt   *string `json:"resolved_at"`
	ClosedAt     *string `json:"closed_at"`
}

// MountTickets adds the ticket loop to the admin-guarded staff API:
// GET /tickets?order=&state=, POST /tickets/{no}/ack, /resolve {"note"},
// /close. The bearer token acts as 管理员.
func MountTickets(g *gin.RouterGroup, tickets *service.Tickets, loc *time.Location, log *slog.Logger) {
	ts := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := t.In(loc).Format(time.RFC3339)
		return &s
	}
	out := func(v service.TicketView) ticketJSON {
		j := ticketJSON{No: v.No, Kind: v.Kind, State: v.State, OrderNo: v.OrderNo, Reporter: v.Reporter, Description: v.Description,
			Resolution: v.Resolution, CreatedAt: *ts(&v.CreatedAt), AckAt: ts(v.AckAt), ResolvedAt: ts(v.ResolvedAt), ClosedAt: ts(v.ClosedAt)}
		if v.Assignee != nil {
			j.Assignee, j.AssigneeName = &v.Assignee.UserID, &v.Assignee.Name
		}
		return j
	}
	fail := func(c *gin.Context, err error) {
		status := http.StatusInternalServerError
		switch {
		case errors.Is(err, service.ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, service.ErrInvalid):
			status = http.StatusUnprocessableEntity
		case errors.Is(err, service.ErrConflict):
			status = http.StatusConflict
		case errors.Is(err, service.ErrForbidden):
			status = http.StatusForbidden
		}
		if status == http.StatusInternalServerError {
			log.ErrorContext(c, "tickets api", "err", err)
			c.JSON(status, gin.H{"error": gin.H{"code": "internal", "message": "internal error (request id " + service.RequestID(c) + ")"}})
			return
		}
		c.JSON(status, gin.H{"error": gin.H{"code": service.ErrorCode(err), "message": err.Error()}})
	}
	g.GET("/tickets", func(c *gin.Context) {
		vs, err := tickets.List(c.Request.Context(), service.TicketFilter{OrderNo: c.Query("order"), State: c.Query("state")})
		if err != nil {
			fail(c, err)
			return
		}
		items := make([]ticketJSON, len(vs))
		for i, v := range vs {
			items[i] = out(v)
		}
		c.JSON(http.StatusOK, gin.H{"items": items})
	})
	g.POST("/tickets/:no/ack", func(c *gin.Context) {
		v, err := tickets.Ack(c.Request.Context(), c.Param("no"), service.Admin, nil)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"ticket": out(v)})
	})
	g.POST("/tickets/:no/resolve", func(c *gin.Context) {
		var in struct {
			Note string `json:"note"`
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
		if err := c.ShouldBindJSON(&in); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "bad_json", "message": "body must be {\"note\": \"…\"}"}})
			return
		}
		v, err := tickets.Resolve(c.Request.Context(), c.Param("no"), in.Note, service.Admin, nil)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"ticket": out(v)})
	})
	g.POST("/tickets/:no/close", func(c *gin.Context) {
		v, err := tickets.Close(c.Request.Context(), c.Param("no"), service.Admin)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"ticket": out(v)})
	})
}
