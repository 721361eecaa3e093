package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apitime"
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

// ticketRoutes serve the ticket loop on the staff API.
type ticketRoutes struct {
	tickets *service.Tickets
	loc     *time.Location
	log     *slog.Logger
}

// MountTickets adds the ticket loop to the admin-guarded staff API group:
// GET /tickets?order=&state=, POST /tickets/{no}/ack, /resolve {"note"},
// /close. The bearer token acts as 管理员.
func MountTickets(g *gin.RouterGroup, tickets *service.Tickets, loc *time.Location, log *slog.Logger) {
	r := &ticketRoutes{tickets: tickets, loc: loc, log: log}
	g.GET("/tickets", r.list)
	g.POST("/tickets/:no/ack", r.ack)
	g.POST("/tickets/:no/resolve", r.resolve)
	g.POST("/tickets/:no/close", r.close)
}

func (r *ticketRoutes) ts(t *time.Time) *string { return apitime.New(r.loc).Ptr(t) }

func (r *ticketRoutes) out(v service.TicketView) ticketJSON {
	j := ticketJSON{No: v.No, Kind: v.Kind, State: v.State, OrderNo: v.OrderNo, Reporter: v.Reporter, Description: v.Description,
		Resolution: v.Resolution, CreatedAt: *r.ts(&v.CreatedAt), AckAt: r.ts(v.AckAt), ResolvedAt: r.ts(v.ResolvedAt), ClosedAt: r.ts(v.ClosedAt)}
	if v.Assignee != nil {
		j.Assignee, j.AssigneeName = &v.Assignee.UserID, &v.Assignee.Name
	}
	return j
}

func (r *ticketRoutes) list(c *gin.Context) {
	vs, err := r.tickets.List(c.Request.Context(), service.TicketFilter{OrderNo: c.Query("order"), State: c.Query("state")})
	if err != nil {
		fail(c, r.log, err)
		return
	}
	items := make([]ticketJSON, len(vs))
	for i, v := range vs {
		items[i] = r.out(v)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (r *ticketRoutes) answer(c *gin.Context, v service.TicketView, err error) {
	if err != nil {
		fail(c, r.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ticket": r.out(v)})
}

func (r *ticketRoutes) ack(c *gin.Context) {
	v, err := r.tickets.Ack(c.Request.Context(), c.Param("no"), service.Admin, nil)
	r.answer(c, v, err)
}

func (r *ticketRoutes) resolve(c *gin.Context) {
	var in struct {
		Note string `json:"note"`
	}
	if !bind(c, &in) {
		return
	}
	v, err := r.tickets.Resolve(c.Request.Context(), c.Param("no"), in.Note, service.Admin, nil)
	r.answer(c, v, err)
}

func (r *ticketRoutes) close(c *gin.Context) {
	v, err := r.tickets.Close(c.Request.Context(), c.Param("no"), service.Admin)
	r.answer(c, v, err)
}
