// Package webhook delivers channel webhooks (service.MsgTypeChannelWebhook
// outbox rows): a POST of the event to the channel's URL, signed the way
// the channel signs its orders to us — X-Orderhub-Timestamp and
// X-Orderhub-Signature, hex HMAC-SHA256 of timestamp + "\n" + body under
// the channel's secret.
package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"orderhub/service"
)

// Target is where one channel's events go.
type Target struct {
	URL    string
	Secret string
}

// Sender posts webhook rows; it satisfies service.Sender.
type Sender struct {
	targets map[string]Target
	client  *http.Client
	clock   service.Clock
}

// New returns a Sender for targets by channel key.
func New(targets map[string]Target, client *http.Client, clock service.Clock) *Sender {
	if client == nil || clock == nil {
		panic("webhook: New: nil dependency")
	}
	return &Sender{targets: targets, client: client, clock: clock}
}

// Send posts one event. A 2xx is delivered; 408, 429 and 5xx (and no
// answer) are retried by the outbox; any other 4xx is the channel refusing
// the event, which no retry changes.
func (s *Sender) Send(ctx context.Context, m service.Outgoing) error {
	t, ok := s.targets[m.ToUser]
	if !ok || t.URL == "" {
		return &service.UndeliverableError{Reason: "channel " + m.ToUser + " has no webhook configured"}
	}
	ts := strconv.FormatInt(s.clock().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(m.Body))
	if err != nil {
		return &service.UndeliverableError{Reason: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Orderhub-Timestamp", ts)
	req.Header.Set("X-Orderhub-Signature", service.Sign([]byte(t.Secret), ts, m.Body))
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", m.ToUser, err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 200))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusRequestTimeout || res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return fmt.Errorf("webhook %s: HTTP %d: %s", m.ToUser, res.StatusCode, msg)
	}
	return &service.UndeliverableError{Reason: fmt.Sprintf("webhook %s: HTTP %d: %s", m.ToUser, res.StatusCode, msg)}
}

// DefaultClient bounds a webhook call.
func DefaultClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
