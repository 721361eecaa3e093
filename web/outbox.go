package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apitime"
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

// MountOutbox adds GET /outbox?state=failed|pending|sent&limit= to the
// admin-guarded staff API group, so failed sends stay visible.
func MountOutbox(g *gin.RouterGroup, ob *service.Outbox, loc *time.Location, log *slog.Logger) {
	ts := apitime.New(loc).Format
	g.GET("/outbox", func(c *gin.Context) {
		limit, _ := strconv.Atoi(c.Query("limit"))
		rows, err := ob.List(c.Request.Context(), c.DefaultQuery("state", "failed"), limit)
		if err != nil {
			fail(c, log, err)
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
