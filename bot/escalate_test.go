package bot_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// card is a template card as the local WeCom received it.
type card struct {
	TaskID  string `json:"task_id"`
	Buttons []struct {
		Key string `json:"key"`
	} `json:"button_list"`
}

func cardOf(t *testing.T, s localwecom.Sent) card {
	t.Helper()
	var req struct {
		Card card `json:"template_card"`
	}
	if err := json.Unmarshal(s.Raw, &req); err != nil {
		t.Fatal(err)
	}
	return req.Card
}

// sentAbout returns what user received that mentions order no.
func (e *env) sentAbout(user, no string) []localwecom.Sent {
	var out []localwecom.Sent
	for _, s := range e.wecom.Sent() {
		if s.ToUser == user && strings.Contains(s.Content, no) {
			out = append(out, s)
		}
	}
	return out
}

// TestEscalationThroughOutageAndCardAck is issue 6's "done when": an order
// left alone pushes the lead, then the director, once each, through WeCom
// outages, with two instances scanning and dispatching; a tap on 接单 stops
// another order's climb and updates the card for everyone it went to.
func TestEscalationThroughOutageAndCardAck(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		ctx := context.Background()
		// The first stage (待确认, customer service) escalates in seconds: to
		// cs_lead (吴华, wuhua) at 2 s, to the production director (冯军,
		// fengjun) at 5 s.
		cfg := config.Default()
		cfg.Stages[0].Escalation = []config.Level{
			{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}},
			{After: config.Duration(5 * time.Second), Notify: []string{"production_director"}, Webhook: "team-robot"},
		}
		cfg.Escalation.GroupOver = 1000 // the demo's own orders escalate too; keep every push its own
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		pipe := service.NewPipeline(cfg)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, e.clock.Now, cfg.Location(), log,
			service.NewMetrics(prometheus.NewRegistry()))
		tickets := service.NewTickets(db, pipe, e.clock.Now, cfg.Location(), cfg.Roles)
		scanners := []*service.Escalator{
			service.NewEscalator(db, orders, tickets, cfg.Escalation, e.clock.Now, cfg.Location(), log),
			service.NewEscalator(db, orders, tickets, cfg.Escalation, e.clock.Now, cfg.Location(), log),
		}
		scan := func() {
			var wg sync.WaitGroup
			for _, s := range scanners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.Scan(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		place := func() string {
			d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C001", Lines: []service.LineInput{{SKU: "BOLT-M8-30", Qty: 1}}, Actor: service.Admin})
			if err != nil {
				t.Fatal(err)
			}
			return d.Order.No
		}
		left, acked := place(), place()
		e.wecom.SetDown(true)
		e.clock.Add(2 * time.Second) // level 1 due
		scan()
		e.settle() // every send fails: WeCom is down; retried 1 s later
		// Two scanners racing on MariaDB may each skip the alarms the other
		// holds locked (SKIP LOCKED: skipped, not waited for); the next
		// scan fires what the first left. Its pushes fail too.
		scan()
		e.settle()
		e.wecom.SetDown(false)
		e.clock.Add(time.Second)
		e.settle()
		for _, no := range []string{left, acked} {
			if got := e.sentAbout("wuhua", no); len(got) != 1 || got[0].MsgType != "template_card" {
				t.Fatalf("level 1 of %s: the lead got %d messages, want one card", no, len(got))
			}
		}
		var retried int64
		db.Model(&model.Outbox{}).Where("`key` LIKE ? AND state = ? AND attempts >= 2", "esc:%", model.OutboxSent).Count(&retried)
		if retried < 2 {
			t.Fatalf("%d level-1 pushes were retried after the outage; want both orders'", retried)
		}
		// 吴华 taps 接单 on the second order's card.
		c := cardOf(t, e.sentAbout("wuhua", acked)[0])
		if c.TaskID == "" || len(c.Buttons) != 2 || !strings.HasPrefix(c.Buttons[0].Key, "ack:TK") {
			t.Fatalf("card: %+v", c)
		}
		code := e.wecom.IssueCode()
		rec := e.postCard(0, "wuhua", c.Buttons[0].Key, c.TaskID, code)
		if rec.Code != http.StatusOK {
			t.Fatalf("callback: %d", rec.Code)
		}
		e.settle()
		tk := strings.TrimPrefix(c.Buttons[0].Key, "ack:")
		v, err := tickets.Get(ctx, tk)
		if err != nil || v.State != model.TicketAcknowledged || v.Assignee == nil || v.Assignee.UserID != "wuhua" {
			t.Fatalf("after the tap: %+v, %v", v, err)
		}
		ups := e.wecom.Updates()
		if len(ups) != 1 || ups[0].ResponseCode != code || strings.Join(ups[0].UserIDs, "|") != "wuhua" || !strings.Contains(ups[0].ReplaceName, "吴华") {
			t.Fatalf("card updates: %+v", ups)
		}
		// Level 2, again through an outage.
		e.wecom.SetDown(true)
		e.clock.Add(2 * time.Second) // 5 s after the orders
		scan()
		e.settle()
		e.wecom.SetDown(false)
		e.clock.Add(10 * time.Second)
		e.settle()
		scan()
		e.clock.Add(time.Minute)
		scan()
		e.settle()
		if got := e.sentAbout("fengjun", left); len(got) != 1 || !strings.Contains(got[0].Content, "吴华") {
			t.Fatalf("level 2 of the order left alone: the director got %d messages (%v), want one naming who was told", len(got), got)
		}
		var robot []localwecom.Sent
		for _, r := range e.wecom.Robots() {
			if strings.Contains(r.Content, left) {
				robot = append(robot, r)
			}
		}
		if len(robot) != 1 || robot[0].ToUser != "team-robot" || robot[0].MsgType != "markdown" {
			t.Fatalf("level 2's group robot: %+v", robot)
		}
		if got := e.sentAbout("fengjun", acked); len(got) != 0 {
			t.Fatalf("the acknowledged order climbed on: %d pushes to the director", len(got))
		}
		if got := e.sentAbout("wuhua", left); len(got) != 1 {
			t.Fatalf("the lead got %d pushes about the order left alone, want 1", len(got))
		}
	})
}

// postCard plays WeCom's template_card_event for a tap on a button.
func (e *env) postCard(i int, user, key, task, code string) *httptest.ResponseRecorder {
	e.t.Helper()
	m := struct {
		XMLName      xml.Name `xml:"xml"`
		ToUserName   string   `xml:"ToUserName"`
		FromUserName string   `xml:"FromUserName"`
		CreateTime   int64    `xml:"CreateTime"`
		MsgType      string   `xml:"MsgType"`
		Event        string   `xml:"Event"`
		EventKey     string   `xml:"EventKey"`
		TaskID       string   `xml:"TaskId"`
		CardType     string   `xml:"CardType"`
		ResponseCode string   `xml:"ResponseCode"`
	}{ToUserName: testCorp, FromUserName: user, CreateTime: e.clock.Now().Unix(), MsgType: "event", Event: "template_card_event",
		EventKey: key, TaskID: task, CardType: "button_interaction", ResponseCode: code}
	plain, _ := xml.Marshal(m)
	enc, err := e.crypto.Encrypt(plain)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.postRaw(i, enc, fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID>1</AgentID></xml>", testCorp, enc), e.clock.Now().Unix())
}
