package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/internal/webhook"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

const secret = "webhook-test-secret-123"

// TestWebhookThroughOutbox: an event row is posted signed, retried while
// the channel answers 503, delivered once it answers 200, and never again.
func TestWebhookThroughOutbox(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		var mu sync.Mutex
		var got []string
		fail := 1
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			ts := r.Header.Get("X-Orderhub-Timestamp")
			if r.Header.Get("X-Orderhub-Signature") != service.Sign([]byte(secret), ts, body) {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			got = append(got, string(body))
			if fail > 0 {
				fail--
				http.Error(w, "down", http.StatusServiceUnavailable)
			}
		}))
		t.Cleanup(srv.Close)
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		var cmu sync.Mutex
		clock := func() time.Time { cmu.Lock(); defer cmu.Unlock(); return now }
		sender := webhook.New(map[string]webhook.Target{"shop": {URL: srv.URL, Secret: secret}}, webhook.DefaultClient(), clock)
		ob := service.NewOutbox(db, sender, clock, modeltest.Log(), prometheus.NewRegistry(), service.OutboxOptions{
			Poll: time.Second, BackoffBase: time.Second, BackoffMax: time.Minute, MaxAttempts: 5, Lease: time.Minute, Batch: 8})
		key := "webhook:1:confirmed:1"
		body := `{"event_id":"webhook:1:confirmed:1","order_no":"SO1","to":"confirmed"}`
		row := model.Outbox{Key: &key, Channel: service.ChannelOutboxWebhook, ToUser: "shop", MsgType: service.MsgTypeChannelWebhook, Body: body,
			State: model.OutboxPending, NextAt: now, CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for i := 0; i < 4; i++ {
			if _, err := ob.DispatchOnce(ctx); err != nil {
				t.Fatal(err)
			}
			cmu.Lock()
			now = now.Add(time.Minute)
			cmu.Unlock()
		}
		var r model.Outbox
		db.Take(&r, row.ID)
		if r.State != model.OutboxSent || r.Attempts != 2 {
			t.Errorf("row state %s after %d attempts, want sent after 2", r.State, r.Attempts)
		}
		if len(got) != 2 || got[0] != body || got[1] != body {
			t.Errorf("deliveries = %q", got)
		}
	})
}

func TestWebhookRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such order", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	s := webhook.New(map[string]webhook.Target{"shop": {URL: srv.URL, Secret: secret}}, webhook.DefaultClient(), time.Now)
	var und *service.UndeliverableError
	if err := s.Send(context.Background(), service.Outgoing{ToUser: "shop", Body: []byte(`{}`)}); !errors.As(err, &und) {
		t.Errorf("400 = %v, want undeliverable", err)
	}
	if err := s.Send(context.Background(), service.Outgoing{ToUser: "nope", Body: []byte(`{}`)}); !errors.As(err, &und) {
		t.Errorf("unknown channel = %v, want undeliverable", err)
	}
}

// TestWebhookRedirectNotFollowed: a receiver answering 302/307 to an
// internal address is not followed, and nothing of the internal answer
// reaches the row's last_error. Before, the client followed the redirect
// and stored what the internal service said.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	var internalHits int
	var mu sync.Mutex
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		internalHits++
		mu.Unlock()
		http.Error(w, "INTERNAL-ADMIN root password hunter2", http.StatusInternalServerError)
	}))
	t.Cleanup(internal.Close)
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, internal.URL+"/admin", code)
		}))
		s := webhook.New(map[string]webhook.Target{"shop": {URL: srv.URL, Secret: secret}}, webhook.DefaultClient(), time.Now)
		err := s.Send(context.Background(), service.Outgoing{ToUser: "shop", Body: []byte(`{}`)})
		srv.Close()
		var und *service.UndeliverableError
		if !errors.As(err, &und) || strings.Contains(err.Error(), "INTERNAL") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("redirect %d: err = %v, want undeliverable without the internal answer", code, err)
		}
	}
	if internalHits != 0 {
		t.Errorf("the internal address was called %d times, want never", internalHits)
	}
}

// TestWebhookStoredAnswerCapped: a refusal's body is kept cut to 200
// bytes on a character boundary, as valid UTF-8.
func TestWebhookStoredAnswerCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, strings.Repeat("订单不存在", 400))
	}))
	t.Cleanup(srv.Close)
	s := webhook.New(map[string]webhook.Target{"shop": {URL: srv.URL, Secret: secret}}, webhook.DefaultClient(), time.Now)
	err := s.Send(context.Background(), service.Outgoing{ToUser: "shop", Body: []byte(`{}`)})
	if err == nil || len(err.Error()) > 300 || !utf8.ValidString(err.Error()) {
		t.Errorf("err = %q (%d bytes), want at most 200 bytes of the answer, valid UTF-8", err, len(fmt.Sprint(err)))
	}
}
