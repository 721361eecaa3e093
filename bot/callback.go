package bot

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"orderhub/internal/reqlog"
	"orderhub/service"
)

// MaxCallbackBody caps a callback body; WeCom's are a few KiB.
const MaxCallbackBody = 1 << 20

// ReplayWindow is how far a callback's timestamp may be from our clock.
const ReplayWindow = 5 * time.Minute

// seenTTL is how long a message key is remembered in Redis; the database's
// unique key on inbound.msg_key remembers for good.
const seenTTL = 24 * time.Hour

// Callback is the app's callback URL, GET (URL verification) and POST
// (messages) /wecom/callback. It verifies, decrypts, records and answers at
// once; the command runs asynchronously (WeCom gives 5 s, then retries).
type Callback struct {
	crypto *Crypto
	inbox  *service.Inbox
	runner *Runner
	rdb    redis.UniversalClient
	prefix string
	clock  service.Clock
	log    *slog.Logger
	// practice, when set, sends a practising user's messages to their
	// sandbox (bot/practice.go).
	practice PracticeRouter
}

// PracticeRouter finds where a user's messages go while they practise:
// the inbox and runner of their sandbox. ok is false for everyone not
// practising now, whose messages go to the real inbox.
type PracticeRouter interface {
	Route(ctx context.Context, userID string) (inbox *service.Inbox, runner *Runner, ok bool, err error)
}

// CardRouter is a PracticeRouter that knows the real system's cards: a
// tap on one (template_card_event whose task id the real system sent)
// goes to the real system even from a user who practises.
type CardRouter interface {
	RealCard(ctx context.Context, taskID string) (bool, error)
}

// WithPractice routes practising users' messages to their sandboxes.
func (h *Callback) WithPractice(r PracticeRouter) *Callback {
	h.practice = r
	return h
}

// NewCallback returns the callback handler.
func NewCallback(crypto *Crypto, inbox *service.Inbox, runner *Runner, rdb redis.UniversalClient, prefix string, clock service.Clock, log *slog.Logger) *Callback {
	if crypto == nil || inbox == nil || runner == nil || rdb == nil || clock == nil || log == nil {
		panic("bot: NewCallback: nil dependency")
	}
	return &Callback{crypto: crypto, inbox: inbox, runner: runner, rdb: rdb, prefix: prefix, clock: clock, log: log}
}

// Mount adds the callback routes to e.
func (h *Callback) Mount(e *gin.Engine) {
	e.GET("/wecom/callback", h.verifyURL)
	e.POST("/wecom/callback", h.receive)
}

func (h *Callback) refuse(c *gin.Context, status int, why string, attrs ...any) {
	h.log.WarnContext(c, "wecom callback refused: "+why, append(attrs, "remote", c.ClientIP())...)
	c.String(status, why)
}

// verifyURL answers the console's URL check: the signature is over
// echostr, and the answer is its plaintext exactly. No time window here, so
// the console can always verify.
func (h *Callback) verifyURL(c *gin.Context) {
	sig, ts, nonce, echo := c.Query("msg_signature"), c.Query("timestamp"), c.Query("nonce"), c.Query("echostr")
	if sig == "" || ts == "" || nonce == "" || echo == "" {
		h.refuse(c, http.StatusBadRequest, "missing parameters")
		return
	}
	if !h.crypto.Verify(sig, ts, nonce, echo) {
		h.refuse(c, http.StatusForbidden, "bad signature")
		return
	}
	plain, err := h.crypto.Decrypt(echo)
	if err != nil {
		h.refuse(c, http.StatusForbidden, "cannot decrypt", "err", err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", plain)
}

// receive takes one message: verify, decrypt, dedupe, record, answer 200
// with an empty body (no passive reply: the answer goes through the
// outbox), then run it in the background.
func (h *Callback) receive(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxCallbackBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.refuse(c, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	if err != nil {
		h.refuse(c, http.StatusBadRequest, "cannot read body", "err", err)
		return
	}
	sig, ts, nonce := c.Query("msg_signature"), c.Query("timestamp"), c.Query("nonce")
	if sig == "" || ts == "" || nonce == "" {
		h.refuse(c, http.StatusBadRequest, "missing parameters")
		return
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		h.refuse(c, http.StatusBadRequest, "malformed xml")
		return
	}
	if !h.crypto.Verify(sig, ts, nonce, env.Encrypt) {
		h.refuse(c, http.StatusForbidden, "bad signature")
		return
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		h.refuse(c, http.StatusBadRequest, "bad timestamp")
		return
	}
	if skew := h.clock().Sub(time.Unix(sec, 0)); skew > ReplayWindow || skew < -ReplayWindow {
		h.refuse(c, http.StatusForbidden, "stale timestamp", "skew", skew.String())
		return
	}
	plain, err := h.crypto.Decrypt(env.Encrypt)
	if errors.Is(err, ErrCorpID) {
		h.refuse(c, http.StatusForbidden, "wrong corp id")
		return
	}
	if err != nil {
		h.refuse(c, http.StatusBadRequest, "cannot decrypt", "err", err)
		return
	}
	m, ok := parseMessage(plain)
	if !ok {
		h.refuse(c, http.StatusBadRequest, "malformed message")
		return
	}
	key := m.Key()
	if key == "" || len(key) > 191 {
		c.Status(http.StatusOK) // nothing we act on
		return
	}
	ctx := reqlog.WithID(c.Request.Context(), key)
	// Redis first: WeCom's retries and a second instance behind the load
	// balancer stop here cheaply. With Redis down the unique key on
	// inbound.msg_key still lets one through.
	seen := h.prefix + "wecom:seen:" + key
	first, rerr := h.rdb.SetNX(ctx, seen, "1", seenTTL).Result()
	if rerr != nil {
		h.log.WarnContext(ctx, "wecom dedupe: redis unavailable, relying on the database", "err", rerr)
		first = true
	}
	if !first {
		c.Status(http.StatusOK)
		return
	}
	inbox, runner := h.inbox, h.runner
	real := false
	if cr, ok := h.practice.(CardRouter); ok && m.MsgType == "event" && m.Event == "template_card_event" && m.TaskID != "" {
		var err error
		if real, err = cr.RealCard(ctx, m.TaskID); err != nil {
			h.rdb.Del(ctx, seen)
			h.log.ErrorContext(ctx, "wecom callback: practice route of a card", "err", err)
			c.Status(http.StatusInternalServerError)
			return
		}
	}
	if h.practice != nil && !real && !RealOnly(m.MsgType, m.Content) {
		pi, pr, ok, err := h.practice.Route(ctx, m.FromUserName)
		if err != nil {
			h.rdb.Del(ctx, seen)
			h.log.ErrorContext(ctx, "wecom callback: practice route", "err", err)
			c.Status(http.StatusInternalServerError)
			return
		}
		if ok {
			inbox, runner = pi, pr
		}
	}
	in := service.InboundMessage{Key: key, From: m.FromUserName, Type: m.MsgType,
		Content: m.recorded(), MediaID: m.MediaID, Event: m.Event, EventKey: m.EventKey, SentAt: time.Unix(m.CreateTime, 0)}
	row, fresh, err := inbox.Record(ctx, in, runner.lease)
	if err != nil && inbox != h.inbox {
		// The sandbox went between the question and the write (removed
		// on another instance): asked again, a sandbox that is gone says
		// "not practising", and the message is the real system's.
		if pi, pr, ok, rerr := h.practice.Route(ctx, m.FromUserName); rerr == nil {
			inbox, runner = h.inbox, h.runner
			if ok {
				inbox, runner = pi, pr
			}
			row, fresh, err = inbox.Record(ctx, in, runner.lease)
		}
	}
	if err != nil {
		// Not recorded: forget the key so WeCom's retry is taken.
		h.rdb.Del(ctx, seen)
		h.log.ErrorContext(ctx, "wecom callback: record", "err", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	c.Status(http.StatusOK)
	if fresh {
		runner.Submit(row)
	}
}
