package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// dispatch sends every due row, as the dispatcher's loop does, and
// refreshes the gauge as it does.
func (d *demoServer) dispatch(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for {
		n, err := d.app.outbox.DispatchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if err := d.app.outbox.RefreshGauge(ctx); err != nil {
		t.Fatal(err)
	}
}

// metrics reads /metrics and returns the value of each outbox series.
func (d *demoServer) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	res, err := http.Get(d.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics = %d", res.StatusCode)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "orderhub_outbox_") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		out[name] = v
	}
	return out
}

const (
	gaugePending = `orderhub_outbox_messages{state="pending"}`
	gaugeFailed  = `orderhub_outbox_messages{state="failed"}`
	sentTotal    = "orderhub_outbox_sent_total"
	errorsTotal  = "orderhub_outbox_send_errors_total"
)

type outboxItem struct {
	ID        uint64          `json:"id"`
	To        string          `json:"to"`
	MsgType   string          `json:"msgtype"`
	Body      json.RawMessage `json:"body"`
	State     string          `json:"state"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error"`
	SentAt    *string         `json:"sent_at"`
}

// outbox calls GET /api/v1/outbox with query and the token.
func (d *demoServer) outbox(t *testing.T, query, token string) (int, []outboxItem, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.base+"/api/v1/outbox"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var list struct {
		Items []outboxItem `json:"items"`
	}
	var any map[string]any
	_ = json.Unmarshal(raw, &list)
	_ = json.Unmarshal(raw, &any)
	return res.StatusCode, list.Items, any
}

// inbox returns what the local WeCom accepted for user: what reached them.
func (d *demoServer) inbox(t *testing.T, user string) []string {
	t.Helper()
	res, err := http.Get(d.base + bot.LocalPath + "/inbox?touser=" + user + "&after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range out.Messages {
		got = append(got, m.Content)
	}
	return got
}

// queue records a chat message from a user and answers it with text to
// to, as a command does: one outbox row.
func (d *demoServer) queue(t *testing.T, clock service.Clock, key, text, to string) {
	t.Helper()
	ctx := context.Background()
	inbox := service.NewInbox(d.app.db, clock)
	row, _, err := inbox.Record(ctx, service.InboundMessage{Key: key, From: to, Type: "text"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := inbox.Answer(ctx, row.ID, service.Text(text, to)); err != nil {
		t.Fatal(err)
	}
}

func states(items []outboxItem) map[string]outboxItem {
	out := map[string]outboxItem{}
	for _, it := range items {
		var b struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal(it.Body, &b)
		out[b.Content] = it
	}
	return out
}

// Failures stay visible: on the staff API (GET /api/v1/outbox?state=) and
// in /metrics, after sends succeed, fail for a while, run out of attempts,
// and are refused for good; a failed row is not sent later, and nothing
// reaches a user twice.
func TestOutboxFailuresVisible(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		clock := testclock.New(time.Now().UTC().Truncate(time.Second))
		d := startDemo(t, mysql, clock.Now, func(c *config.Config) {
			c.Outbox.MaxAttempts = 3
			c.Outbox.BackoffBase = config.Duration(2 * time.Second)
			c.Outbox.BackoffMax = config.Duration(8 * time.Second)
		})
		d.sendThroughFront()
		d.refuse["ghost"] = true
		d.dispatch(t) // whatever the demo seed queued
		base := d.metrics(t)
		if _, ok := base[gaugeFailed]; !ok {
			t.Fatalf("/metrics has no %s once the gauge is refreshed: %v", gaugeFailed, base)
		}
		_, failedBefore, _ := d.outbox(t, "?state=failed", testToken)

		// Sent: counted, listed as sent with its time.
		d.queue(t, clock.Now, "k1", "一路顺风", "wangjg")
		d.dispatch(t)
		m := d.metrics(t)
		if m[sentTotal] != base[sentTotal]+1 || m[errorsTotal] != base[errorsTotal] {
			t.Fatalf("after one good send: sent %v errors %v (before %v %v)", m[sentTotal], m[errorsTotal], base[sentTotal], base[errorsTotal])
		}

		// Refused for good (unknown user): failed at once, no retry.
		d.queue(t, clock.Now, "k2", "查无此人", "ghost")
		d.dispatch(t)
		// WeCom down: retried with backoff until attempts run out.
		d.down.Store(true)
		d.queue(t, clock.Now, "k3", "断网了", "wangjg")
		d.dispatch(t)
		m = d.metrics(t)
		if m[gaugePending] != base[gaugePending]+1 || m[gaugeFailed] != base[gaugeFailed]+1 {
			t.Fatalf("after the first failures: pending %v failed %v (before %v %v)", m[gaugePending], m[gaugeFailed], base[gaugePending], base[gaugeFailed])
		}
		code, pending, _ := d.outbox(t, "?state=pending", testToken)
		if p := states(pending)["断网了"]; code != 200 || p.Attempts != 1 || p.LastError == "" {
			t.Fatalf("pending = %d %+v", code, pending)
		}
		for i := 0; i < 2; i++ {
			clock.Add(10 * time.Second)
			d.dispatch(t)
		}
		m = d.metrics(t)
		if m[gaugePending] != base[gaugePending] || m[gaugeFailed] != base[gaugeFailed]+2 {
			t.Fatalf("after max attempts: pending %v failed %v (before %v %v)", m[gaugePending], m[gaugeFailed], base[gaugePending], base[gaugeFailed])
		}
		if m[errorsTotal] != base[errorsTotal]+4 || m[sentTotal] != base[sentTotal]+1 {
			t.Fatalf("errors %v sent %v, want %v and %v", m[errorsTotal], m[sentTotal], base[errorsTotal]+4, base[sentTotal]+1)
		}

		// WeCom is back, time goes by: failed rows stay failed and unsent.
		d.down.Store(false)
		d.queue(t, clock.Now, "k4", "恢复了", "wangjg")
		clock.Add(time.Hour)
		d.dispatch(t)
		code, failed, _ := d.outbox(t, "?state=failed", testToken)
		if code != 200 || len(failed) != len(failedBefore)+2 {
			t.Fatalf("failed = %d, %d items, want %d", code, len(failed), len(failedBefore)+2)
		}
		byText := states(failed)
		if g := byText["查无此人"]; g.State != model.OutboxFailed || g.Attempts != 1 || !strings.Contains(g.LastError, "40003") || g.To != "ghost" {
			t.Fatalf("the refused row: %+v", g)
		}
		if g := byText["断网了"]; g.State != model.OutboxFailed || g.Attempts != 3 || g.LastError == "" || g.SentAt != nil {
			t.Fatalf("the row out of attempts: %+v", g)
		}
		if _, dflt, _ := d.outbox(t, "", testToken); len(dflt) != len(failed) {
			t.Fatalf("no state lists %d rows, want the %d failed", len(dflt), len(failed))
		}
		if _, one, _ := d.outbox(t, "?state=failed&limit=1", testToken); len(one) != 1 || one[0].ID != failed[0].ID {
			t.Fatalf("limit=1: %+v, want the newest failed row first", one)
		}
		_, sent, _ := d.outbox(t, "?state=sent", testToken)
		for _, want := range []string{"一路顺风", "恢复了"} {
			if s := states(sent)[want]; s.State != model.OutboxSent || s.SentAt == nil {
				t.Fatalf("sent row %q: %+v", want, s)
			}
		}
		got := d.inbox(t, "wangjg")
		if strings.Join(got, "|") != "一路顺风|恢复了" {
			t.Fatalf("wangjg got %q, want each good message once and nothing failed", got)
		}
		if got := d.inbox(t, "ghost"); len(got) != 0 {
			t.Fatalf("ghost got %q", got)
		}
		m = d.metrics(t)
		if m[gaugePending] != base[gaugePending] || m[gaugeFailed] != base[gaugeFailed]+2 || m[sentTotal] != base[sentTotal]+2 {
			t.Fatalf("at the end: %v (before %v)", m, base)
		}
	})
}

// The outbox API is staff-only, and a bad state is a 422 in the API's
// error shape.
func TestOutboxAPIRefusals(t *testing.T) {
	d := startDemo(t, false, service.SystemClock)
	cases := []struct {
		name, query, token string
		status             int
		code               string
	}{
		{"no token", "?state=failed", "", 401, "unauthorized"},
		{"wrong token", "?state=failed", "not-the-token", 401, "unauthorized"},
		{"bad state", "?state=lost", testToken, 422, "invalid_state"},
		{"empty state", "?state=", testToken, 422, "invalid_state"},
		{"pending", "?state=pending", testToken, 200, ""},
		{"sent", "?state=sent", testToken, 200, ""},
		{"failed", "?state=failed", testToken, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := d.outbox(t, tc.query, tc.token)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.code == "" {
				if _, ok := body["items"].([]any); !ok {
					t.Fatalf("no items list: %v", body)
				}
				return
			}
			e, _ := body["error"].(map[string]any)
			if e == nil || e["code"] != tc.code || e["message"] == "" || e["message"] == nil {
				t.Fatalf("error body %v, want code %q and a message", body, tc.code)
			}
		})
	}
}
