package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/web"
)

// cardLadder is newEnv plus a first stage that escalates in seconds (the
// cs lead at 2 s, the production director at 5 s), a scanner, and the
// staff tickets API.
type cardLadder struct {
	*env
	tt      *testing.T
	tickets *service.Tickets
	scanner *service.Escalator
	api     *gin.Engine
}

func newCardLadder(t *testing.T, db *gorm.DB) *cardLadder {
	e := newEnv(t, db, 1)
	cfg := config.Default()
	cfg.Stages[0].Escalation = []config.Level{
		{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}},
		{After: config.Duration(5 * time.Second), Notify: []string{"production_director"}},
	}
	cfg.Escalation.GroupOver = 1000 // every push its own card
	// Each subtest climbs a new ladder seconds after the last: no gap, so
	// the same lead gets each ladder's card (the gap has its own tests).
	cfg.Escalation.NudgeGap = 0
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	log := modeltest.Log()
	pipe := service.NewPipeline(cfg)
	orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, e.clock.Now, cfg.Location(), log,
		service.NewMetrics(prometheus.NewRegistry()))
	c := &cardLadder{env: e, tt: t, tickets: service.NewTickets(db, pipe, e.clock.Now, cfg.Location(), cfg.Roles)}
	c.scanner = service.NewEscalator(db, orders, c.tickets, cfg.Escalation, e.clock.Now, cfg.Location(), log)
	c.api = gin.New()
	web.MountTickets(c.api.Group("/api/v1"), c.tickets, cfg.Location(), log)
	return c
}

func (c *cardLadder) scan() {
	c.t.Helper()
	if _, err := c.scanner.Scan(context.Background()); err != nil {
		c.t.Fatal(err)
	}
}

// climb places an order and lets both levels fire: the lead's and the
// director's cards are sent, and the ticket's number is returned.
func (c *cardLadder) climb() (order, ticket string) {
	c.t.Helper()
	d, _, err := c.orders.Create(context.Background(), service.NewOrder{Customer: "C001", Lines: []service.LineInput{{SKU: "BOLT-M8-30", Qty: 1}}, Actor: service.Admin})
	if err != nil {
		c.t.Fatal(err)
	}
	no := d.Order.No
	c.clock.Add(2 * time.Second)
	c.scan()
	c.settle()
	c.clock.Add(3 * time.Second)
	c.scan()
	c.settle()
	for _, u := range []string{"wuhua", "fengjun"} {
		if got := c.sentAbout(u, no); len(got) != 1 || got[0].MsgType != "template_card" {
			c.t.Fatalf("%s got %d messages about %s, want one card", u, len(got), no)
		}
	}
	key := cardOf(c.tt, c.sentAbout("wuhua", no)[0]).Buttons[0].Key
	return no, strings.TrimPrefix(key, "ack:")
}

// codes returns the response codes WeCom answered for the ticket's cards,
// by the user each card went to.
func (c *cardLadder) codes(ticket string) map[string]string {
	c.t.Helper()
	v, err := c.tickets.Get(context.Background(), ticket)
	if err != nil {
		c.t.Fatal(err)
	}
	var tasks []model.CardTask
	c.db.Where("ticket_id = ?", v.ID).Find(&tasks)
	out := map[string]string{}
	for _, task := range tasks {
		var row model.Outbox
		if err := c.db.Where("`key` = ?", task.OutboxKey).Take(&row).Error; err != nil {
			c.t.Fatalf("card task %s: no outbox row %q: %v", task.TaskID, task.OutboxKey, err)
		}
		out[task.ToUser] = row.ResponseCode
	}
	return out
}

// updatesSince returns the card updates WeCom accepted after the first n.
func (c *cardLadder) updatesSince(n int) []localwecom.Update {
	return c.wecom.Updates()[n:]
}

func sameUpdates(t *testing.T, got []localwecom.Update, want map[string]string, label string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d card updates %+v, want %d", len(got), got, len(want))
	}
	for _, u := range got {
		users := strings.Join(u.UserIDs, "|")
		if want[users] == "" || u.ResponseCode != want[users] || !strings.Contains(u.ReplaceName, label) {
			t.Fatalf("update %+v; want code %q and %q for %s", u, want[users], label, users)
		}
	}
}

// TestCardsUpdatedForEveryoneTold: an ack by chat, by the staff API or by
// a tap on any level's card updates every card of the ticket, each by its
// own response code and once; a resolve after it cannot reuse a code, so
// those told get a line; a card older than 72 h is not updated.
func TestCardsUpdatedForEveryoneTold(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		c := newCardLadder(t, db)

		t.Run("ack in chat", func(t *testing.T) {
			_, tk := c.climb()
			codes := c.codes(tk)
			if len(codes) != 2 || codes["wuhua"] == "" || codes["fengjun"] == "" || codes["wuhua"] == codes["fengjun"] {
				t.Fatalf("response codes of the cards: %v", codes)
			}
			n, sent := len(c.wecom.Updates()), len(c.wecom.Sent())
			if r := c.say("wuhua", "收到 "+tk); len(r) != 1 || !strings.Contains(r[0], "已接单") {
				t.Fatalf("ack replies %v", r)
			}
			sameUpdates(t, c.updatesSince(n), codes, "吴华")
			// The director's card says it; no line on top.
			if got := c.repliesTo("fengjun", sent); len(got) != 0 {
				t.Fatalf("the director also got %v", got)
			}
			// Resolving: both codes are used, so nothing is updated twice;
			// the director, whose card cannot change again, gets a line.
			n, sent = len(c.wecom.Updates()), len(c.wecom.Sent())
			c.say("wuhua", "处理 "+tk+" 已补发")
			if got := c.updatesSince(n); len(got) != 0 {
				t.Fatalf("a used code was sent again: %+v", got)
			}
			if got := c.repliesTo("fengjun", sent); len(got) != 1 || !strings.Contains(got[0], tk) || !strings.Contains(got[0], "处理") {
				t.Fatalf("the director after the resolve: %v", got)
			}
			var failed int64
			db.Model(&model.Outbox{}).Where("msg_type = ? AND state <> ?", service.MsgTypeTicketCards, model.OutboxSent).Count(&failed)
			if failed != 0 {
				var rows []model.Outbox
				db.Where("msg_type = ? AND state <> ?", service.MsgTypeTicketCards, model.OutboxSent).Find(&rows)
				t.Fatalf("%d card updates not sent: %+v", failed, rows)
			}
		})

		t.Run("resolve by the staff API", func(t *testing.T) {
			_, tk := c.climb()
			codes := c.codes(tk)
			n := len(c.wecom.Updates())
			req := httptest.NewRequest("POST", "/api/v1/tickets/"+tk+"/resolve", strings.NewReader(`{"note":"已补发"}`))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			c.api.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("resolve = %d %s", w.Code, w.Body)
			}
			c.settle()
			sameUpdates(t, c.updatesSince(n), codes, "管理员处理")
		})

		t.Run("tap on the director's card", func(t *testing.T) {
			no, tk := c.climb()
			codes := c.codes(tk)
			card := cardOf(t, c.sentAbout("fengjun", no)[0])
			click := c.wecom.IssueCode()
			n := len(c.wecom.Updates())
			if rec := c.postCard(0, "fengjun", card.Buttons[0].Key, card.TaskID, click); rec.Code != http.StatusOK {
				t.Fatalf("callback %d", rec.Code)
			}
			c.settle()
			// The tapped card by the click's code, the lead's by its own.
			sameUpdates(t, c.updatesSince(n), map[string]string{"fengjun": click, "wuhua": codes["wuhua"]}, "冯军")
			// The director's send code stays unused: a resolve in chat
			// then updates his card once more, and only his.
			n = len(c.wecom.Updates())
			c.say("fengjun", "处理 "+tk+" 已补发")
			sameUpdates(t, c.updatesSince(n), map[string]string{"fengjun": codes["fengjun"]}, "冯军处理")
		})

		t.Run("cards older than 72 hours", func(t *testing.T) {
			_, tk := c.climb()
			c.clock.Add(72*time.Hour + time.Second)
			n, sent := len(c.wecom.Updates()), len(c.wecom.Sent())
			if _, err := c.tickets.Ack(context.Background(), tk, service.Admin, nil); err != nil {
				t.Fatal(err)
			}
			c.settle()
			if got := c.updatesSince(n); len(got) != 0 {
				t.Fatalf("expired codes used: %+v", got)
			}
			var told []string
			for _, s := range c.wecom.Sent()[sent:] {
				if strings.Contains(s.Content, tk) {
					told = append(told, strings.Split(s.ToUser, "|")...)
				}
			}
			// A stalled order's ticket is a climb's own: nobody is
			// interrupted by a line about who took it (it resolves itself
			// when the order moves; a resolution by hand is told).
			if len(told) != 0 {
				t.Fatalf("told by a line: %v, want nobody", told)
			}
		})
	})
}
