package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

type panickySender struct {
	mu   sync.Mutex
	sent []uint64
}

func (s *panickySender) Send(ctx context.Context, m service.Outgoing) error {
	if m.ToUser == "poison" {
		var card map[string]string
		card["title"] = "boom" // a bug: a nil map
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m.ID)
	return nil
}

// TestOutboxSurvivesAPanickingSend: a row whose sending panics (a bug)
// is marked failed at once, and the rows beside it are sent; before, the
// panic killed the server, and every instance that claimed the row after
// the restart.
func TestOutboxSurvivesAPanickingSend(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		rows := []model.Outbox{
			{Channel: "wecom", ToUser: "poison", MsgType: "text", Body: `{"content":"x"}`, State: model.OutboxPending, NextAt: now.Add(-time.Second)},
			{Channel: "wecom", ToUser: "wangjg", MsgType: "text", Body: `{"content":"y"}`, State: model.OutboxPending, NextAt: now.Add(-time.Second)},
		}
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		s := &panickySender{}
		ob := service.NewOutbox(db, s, service.SystemClock, modeltest.Log(), prometheus.NewRegistry(), service.OutboxOptions{Poll: time.Second, BackoffBase: time.Second, BackoffMax: time.Minute, MaxAttempts: 5, Lease: time.Minute, Batch: 10, Workers: 2})
		if n, err := ob.DispatchOnce(context.Background()); n != 2 || err != nil {
			t.Fatalf("dispatch: %d rows, %v", n, err)
		}
		var got []model.Outbox
		if err := db.Order("id").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got[0].State != model.OutboxFailed || got[1].State != model.OutboxSent || len(s.sent) != 1 {
			t.Errorf("states %q, %q, sent %v; want the panicking row failed, the other sent", got[0].State, got[1].State, s.sent)
		}
	})
}
