package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/internal/webhook"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// replies records the WeCom rows sent, with when.
type replies struct {
	mu   sync.Mutex
	sent map[uint64][]time.Time
}

func (r *replies) Send(ctx context.Context, m service.Outgoing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[m.ID] = append(r.sent[m.ID], time.Now())
	return nil
}

// route sends webhook rows to the channel, the rest to WeCom, as the
// binary's routeSender does.
type route struct{ hooks, wecom service.Sender }

func (r route) Send(ctx context.Context, m service.Outgoing) error {
	if m.MsgType == service.MsgTypeChannelWebhook {
		return r.hooks.Send(ctx, m)
	}
	return r.wecom.Send(ctx, m)
}

// TestSlowWebhookDelaysNoReplyAndNothingTwice: a partner whose webhook
// answers in 0.6 s has 24 events queued; two dispatchers (two instances,
// the second starting after the first one's lease would have run out).
// Staff replies queued meanwhile go out at once, not behind the partner,
// and every event and reply is delivered exactly once. Before, the first
// dispatcher claimed all 24 events as one batch, held the replies behind
// it for 3 s, and the batch outlived its lease so the second instance sent
// its last rows again.
func TestSlowWebhookDelaysNoReplyAndNothingTwice(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		const slow = 600 * time.Millisecond
		var mu sync.Mutex
		events := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var ev service.StageEvent
			_ = json.Unmarshal(body, &ev)
			mu.Lock()
			events[ev.EventID]++
			mu.Unlock()
			select {
			case <-time.After(slow):
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(srv.Close)
		hooks := webhook.New(map[string]webhook.Target{"shop": {URL: srv.URL, Secret: secret}}, webhook.DefaultClient(), time.Now)
		wecom := &replies{sent: map[uint64][]time.Time{}}
		opts := service.OutboxOptions{Poll: 200 * time.Millisecond, BackoffBase: time.Minute, BackoffMax: time.Hour, MaxAttempts: 5,
			Lease: 3 * time.Second, SendTimeout: 1400 * time.Millisecond}
		newOutbox := func() *service.Outbox {
			return service.NewOutbox(db, route{hooks: hooks, wecom: wecom}, service.SystemClock, modeltest.Log(), prometheus.NewRegistry(), opts)
		}
		now := time.Now().UTC()
		var rows []model.Outbox
		for i := 0; i < 24; i++ {
			key := fmt.Sprintf("webhook:%d:shipped:1", i)
			rows = append(rows, model.Outbox{Key: &key, Channel: service.ChannelOutboxWebhook, ToUser: "shop", MsgType: service.MsgTypeChannelWebhook,
				Body: fmt.Sprintf(`{"event_id":%q}`, key), State: model.OutboxPending, NextAt: now, CreatedAt: now, UpdatedAt: now})
		}
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		run := func(ob *service.Outbox) {
			wg.Add(1)
			go func() { defer wg.Done(); ob.Run(ctx) }()
		}
		a := newOutbox()
		run(a)
		time.Sleep(300 * time.Millisecond)
		queued := time.Now()
		var replyRows []model.Outbox
		for i := 0; i < 5; i++ {
			now := time.Now().UTC()
			replyRows = append(replyRows, model.Outbox{Channel: service.ChannelOutboxWeCom, ToUser: fmt.Sprintf("keeper%d", i), MsgType: "text",
				Body: `{"content":"已入库"}`, State: model.OutboxPending, NextAt: now, CreatedAt: now, UpdatedAt: now})
		}
		if err := db.Create(&replyRows).Error; err != nil {
			t.Fatal(err)
		}
		a.Poke()
		time.Sleep(3200*time.Millisecond - time.Since(queued))
		run(newOutbox())

		// Wait until every row is recorded, or 20 s.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var pending int64
			if err := db.Model(&model.Outbox{}).Where("state = ?", model.OutboxPending).Count(&pending).Error; err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(slow) // a second sending of the last rows would show now
		cancel()
		wg.Wait()

		wecom.mu.Lock()
		defer wecom.mu.Unlock()
		for _, r := range replyRows {
			got := wecom.sent[r.ID]
			if len(got) != 1 {
				t.Errorf("reply %d sent %d times, want once", r.ID, len(got))
				continue
			}
			if late := got[0].Sub(queued); late > 1500*time.Millisecond {
				t.Errorf("reply %d went out %v after it was queued, behind the slow webhook", r.ID, late.Round(time.Millisecond))
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rows {
			if n := events[*r.Key]; n != 1 {
				t.Errorf("event %s posted %d times, want once", *r.Key, n)
			}
		}
		var left []model.Outbox
		if err := db.Where("state <> ? OR attempts <> 1", model.OutboxSent).Find(&left).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range left {
			t.Errorf("row %d (%s) %s after %d attempts: %s", r.ID, r.Channel, r.State, r.Attempts, r.LastError)
		}
	})
}
