package bot

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

type outboxJSON struct {
	ID        uint64          `json:"id"`
	To        string          `json:"to"`
	MsgType   string          `json:"msgtype"`
	Body      json.RawMessage `json:"body"`
	State     string          `json:"state"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error"`
	NextAt    string          `json:"next_at"`
	CreatedAt string          `json:"created_at"`
	SentAt    *string         `json:"sent_at"`
}

// MountStaff adds the bot's staff API routes to the admin-guarded group:
// GET /api/v1/outbox?state=failed|pending|sent&limit=.
func MountStaff(g *gin.RouterGroup, ob *service.Outbox, loc *time.Location) {
	ts := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	g.GET("/outbox", func(c *gin.Context) {
		state := c.DefaultQuery("state", "failed")
		limit, _ := strconv.Atoi(c.Query("limit"))
		rows, err := ob.List(c.Request.Context(), state, limit)
		if errors.Is(err, service.ErrInvalid) {
			c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": service.ErrorCode(err), "message": err.Error()}})
			return
		}
		if err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": "internal", "message": "internal error (request id " + service.RequestID(c) + ")"}})
			return
		}
		items := make([]outboxJSON, len(rows))
		for i, r := range rows {
			items[i] = outboxJSON{ID: r.ID, To: r.ToUser, MsgType: r.MsgType, Body: json.RawMessage(r.Body), State: r.State,
				Attempts: r.Attempts, LastError: r.LastError, NextAt: ts(r.NextAt), CreatedAt: ts(r.CreatedAt)}
			if r.SentAt != nil {
				s := ts(*r.SentAt)
				items[i].SentAt = &s
			}
		}
		c.JSON(http.StatusOK, gin.H{"items": items})
	})
}
