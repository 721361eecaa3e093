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
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	// A redirect is never followed: a receiver could point us at an
	// internal address (the metadata service, the admin port of a
	// database) and read its answer back from last_error.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Sender{targets: targets, client: &c, clock: clock}
}

// maxStoredAnswer caps what of a refusing receiver's answer is kept with
// the row (its last_error).
const maxStoredAnswer = 200

// answer is the start of a receiver's body fit to store: cut on a
// character boundary, control characters and invalid bytes dropped.
func answer(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxStoredAnswer {
		n := maxStoredAnswer
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
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
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		// Not followed, and nothing of it kept but the status.
		return &service.UndeliverableError{Reason: fmt.Sprintf("webhook %s: HTTP %d: redirects are not followed; configure the final URL", m.ToUser, res.StatusCode)}
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxStoredAnswer+4))
	msg := answer(body)
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
