package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// A digest of many pushes stays within WeCom's 4096 bytes of markdown:
// orderhub simulate found a director's digest of a busy day refused by
// WeCom (errcode 45002) and marked failed, so the director heard nothing.
func TestEscalationDigestFitsWeCom(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Stages[0].Escalation = nil
			c.Escalation.GroupOver = 2
			// The lead's and the director's levels, without the
			// assignee's nudges before them.
			c.Escalation.TicketAck = c.Escalation.TicketAck[1:]
			c.Escalation.TicketResolve = c.Escalation.TicketResolve[1:]
		})
		ctx := context.Background()
		const n = 60
		for i := 0; i < n; i++ {
			no := x.order(t)
			if _, err := x.tickets.Open(ctx, service.NewTicket{Kind: model.TicketStaffProblem, OrderNo: no, Description: "少了一箱", Actor: service.Admin}); err != nil {
				t.Fatal(err)
			}
		}
		x.clock.Add(17 * time.Minute)
		if r := x.scan(t); r.Fired != n {
			t.Fatalf("fired %d, want %d", r.Fired, n)
		}
		var digests int
		for _, r := range pushes(t, db) {
			if r.ToUser != "cslead" {
				continue
			}
			var body struct {
				Content string `json:"content"`
			}
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(body.Content, "催办汇总：60 件") {
				continue
			}
			digests++
			if len(body.Content) > 4096 {
				t.Errorf("digest is %d bytes, WeCom takes 4096", len(body.Content))
			}
			if !strings.Contains(body.Content, "…另有 ") || !strings.HasSuffix(body.Content, "看全部：回复「工单」。") {
				t.Errorf("a clipped digest says how many more and how to see them:\n%s", body.Content)
			}
		}
		if digests != 1 {
			t.Fatalf("cslead got %d digests of 60, want 1", digests)
		}
	})
}
