package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// Message is one outgoing message, queued in the outbox by the
// transaction whose change causes it: a WeCom app message (the default
// channel), a notice the bot renders (service/notices.go), a buyer's
// subscribe message or a channel's webhook event.
type Message struct {
	// Channel is the outbox channel: ChannelOutboxWeCom when empty,
	// ChannelOutboxMiniProgram, ChannelOutboxWebhook.
	Channel string
	// To lists the recipients: WeCom userids (a robot's webhook key), a
	// buyer's openid, a sales channel's key.
	To []string
	// Type is the msgtype: text, markdown, a notice's (service/notices.go),
	// MsgTypeSubscribe, MsgTypeChannelWebhook.
	Type string
	// Body is marshalled as the object named by Type, e.g. {"content": "…"}.
	Body any
	// Key, when set, makes the message idempotent: a second message with the
	// same key is silently not queued (escalation: order, stage entry, level).
	Key     string
	OrderID uint64
}

// ChannelOutboxWeCom is the outbox channel of WeCom app and robot messages.
const ChannelOutboxWeCom = "wecom"

// Text is a plain text message.
func Text(content string, to ...string) Message {
	return Message{To: to, Type: "text", Body: map[string]string{"content": content}}
}

// Markdown is a WeCom markdown message (bold, colours, quotes; no tables).
func Markdown(content string, to ...string) Message {
	return Message{To: to, Type: "markdown", Body: map[string]string{"content": content}}
}

// Outgoing is an outbox row as a Sender receives it.
type Outgoing struct {
	ID      uint64
	ToUser  string // "a|b"
	MsgType string
	Body    json.RawMessage
	// Receipt, when not nil, is where a sender records what the platform
	// answered that must be kept: a template card's response code. The
	// outbox stores it with the row when the send succeeds.
	Receipt *Receipt
}

// Receipt is what a successful send answered worth keeping.
type Receipt struct {
	// ResponseCode is WeCom's code for a template card sent: it updates
	// the card (update_template_card) once, within 72 h.
	ResponseCode string
}

// Sender delivers one message. The bot's WeCom client satisfies it.
type Sender interface {
	Send(ctx context.Context, m Outgoing) error
}

// UndeliverableError is a refusal that retrying cannot change (a malformed
// message, an unknown recipient): the row is marked failed at once.
type UndeliverableError struct{ Reason string }

func (e *UndeliverableError) Error() string { return "undeliverable: " + e.Reason }
func (e *UndeliverableError) Unwrap() error { return ErrInvalid }
func (e *UndeliverableError) Code() string  { return CodeUndeliverable }

// enqueue writes msgs into the outbox inside tx: they are sent only if tx
// commits, and are not lost once it has. inboundID, when not 0, is the
// chat message they answer.
func enqueue(tx *gorm.DB, now time.Time, inboundID uint64, msgs []Message) error {
	for _, m := range msgs {
		if _, err := enqueueOne(tx, now, inboundID, m); err != nil {
			return err
		}
	}
	return nil
}

// enqueueOne is the one way a row gets into the outbox. It returns the row
// queued; its ID is 0 when m had no recipient or its key was queued
// before (nothing was written).
func enqueueOne(tx *gorm.DB, now time.Time, inboundID uint64, m Message) (model.Outbox, error) {
	if len(m.To) == 0 {
		return model.Outbox{}, nil
	}
	body, err := json.Marshal(m.Body)
	if err != nil {
		return model.Outbox{}, fmt.Errorf("outbox: %w", err)
	}
	channel := m.Channel
	if channel == "" {
		channel = ChannelOutboxWeCom
	}
	row := model.Outbox{Channel: channel, ToUser: strings.Join(m.To, "|"), MsgType: m.Type, Body: string(body),
		State: model.OutboxPending, NextAt: now, CreatedAt: now, UpdatedAt: now}
	if inboundID != 0 {
		id := inboundID
		row.InboundID = &id
	}
	if m.OrderID != 0 {
		id := m.OrderID
		row.OrderID = &id
	}
	q := tx
	if m.Key != "" {
		k := m.Key
		row.Key = &k
		q = tx.Clauses(clause.OnConflict{DoNothing: true})
	}
	res := q.Create(&row)
	if res.Error != nil {
		return model.Outbox{}, fmt.Errorf("outbox: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		row.ID = 0
	}
	return row, nil
}

// OutboxOptions tunes the dispatcher.
type OutboxOptions struct {
	Poll        time.Duration // how often due rows are looked for when idle
	BackoffBase time.Duration // first retry delay; doubled per attempt
	BackoffMax  time.Duration // longest retry delay
	MaxAttempts int           // then the row is marked failed
	Lease       time.Duration // how long a claimed row is held before another dispatcher may take it
	Batch       int           // rows claimed at once
	Workers     int           // sends in flight at once
}

// Outbox sends what transactions queued: it claims due rows, sends them,
// and records the outcome, retrying failures with exponential backoff.
// Several instances may run it at once: claiming uses SELECT … FOR UPDATE
// SKIP LOCKED on MySQL/MariaDB, and SQLite's write lock in one process.
type Outbox struct {
	db     *gorm.DB
	sender Sender
	clock  Clock
	log    *slog.Logger
	opts   OutboxOptions
	wake   chan struct{}

	rows    *prometheus.GaugeVec
	sent    prometheus.Counter
	retries prometheus.Counter
}

// NewOutbox returns an Outbox dispatcher and registers its metrics.
func NewOutbox(db *gorm.DB, sender Sender, clock Clock, log *slog.Logger, reg prometheus.Registerer, opts OutboxOptions) *Outbox {
	if db == nil || sender == nil || clock == nil || log == nil || reg == nil {
		panic("service: NewOutbox: nil dependency")
	}
	if opts.Poll <= 0 || opts.BackoffBase <= 0 || opts.BackoffMax < opts.BackoffBase || opts.MaxAttempts < 1 || opts.Lease <= 0 {
		panic("service: NewOutbox: bad options")
	}
	if opts.Batch <= 0 {
		opts.Batch = 32
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	o := &Outbox{db: db, sender: sender, clock: clock, log: log, opts: opts, wake: make(chan struct{}, 1),
		rows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "orderhub_outbox_messages", Help: "Outbox rows not sent, by state (pending: waiting or retrying; failed: given up).",
		}, []string{"state"}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_outbox_sent_total", Help: "Outbox messages sent.",
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_outbox_send_errors_total", Help: "Outbox sends that failed (each is retried or marked failed).",
		}),
	}
	reg.MustRegister(o.rows, o.sent, o.retries)
	return o
}

// Poke wakes the dispatcher, so that a reply queued now is sent now
// rather than at the next poll.
func (o *Outbox) Poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is cancelled. Cancelling stops claiming; sends
// already claimed are finished (each bounded by its own timeout) before
// Run returns.
func (o *Outbox) Run(ctx context.Context) {
	var lastGauge time.Time
	for {
		n, err := o.DispatchOnce(context.WithoutCancel(ctx))
		if err != nil {
			o.log.ErrorContext(ctx, "outbox: dispatch", "err", err)
		}
		if time.Since(lastGauge) > 5*time.Second {
			if err := o.RefreshGauge(ctx); err == nil {
				lastGauge = time.Now()
			}
		}
		if ctx.Err() != nil {
			return
		}
		if n == o.opts.Batch {
			continue // more may be due
		}
		t := time.NewTimer(o.opts.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-o.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// DispatchOnce claims the rows due now, sends them and records each
// outcome. It returns how many rows it claimed.
func (o *Outbox) DispatchOnce(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Outbox.DispatchOnce")
	rows, claim, err := o.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	work := make(chan model.Outbox)
	var wg sync.WaitGroup
	errs := make([]error, o.opts.Workers)
	for w := 0; w < o.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				if err := o.sendOne(ctx, r, claim); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		}()
	}
	for _, r := range rows {
		work <- r
	}
	close(work)
	wg.Wait()
	return len(rows), errors.Join(errs...)
}

// claim takes up to Batch due rows and holds them for Lease by moving
// their due time on and stamping them with a fresh claim token.
func (o *Outbox) claim(ctx context.Context) ([]model.Outbox, string, error) {
	claim := randomToken()[:24]
	var rows []model.Outbox
	err := inTx(ctx, o.db, func(tx *gorm.DB) error {
		now := o.clock()
		q := tx.Where("state = ? AND next_at <= ?", model.OutboxPending, now).Order("next_at, id").Limit(o.opts.Batch)
		if model.IsMySQL(tx) {
			// Rows another instance is claiming are skipped, not waited for.
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]uint64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		return tx.Model(&model.Outbox{}).Where("id IN ?", ids).
			Updates(map[string]any{"claim": claim, "next_at": now.Add(o.opts.Lease), "updated_at": now}).Error
	})
	return rows, claim, err
}

func (o *Outbox) sendOne(ctx context.Context, r model.Outbox, claim string) error {
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	var receipt Receipt
	err := o.send(sctx, Outgoing{ID: r.ID, ToUser: r.ToUser, MsgType: r.MsgType, Body: json.RawMessage(r.Body), Receipt: &receipt})
	cancel()
	now := o.clock()
	q := model.Row(o.db.WithContext(ctx), &model.Outbox{}).Where("id = ? AND claim = ?", r.ID, claim)
	if err == nil {
		o.sent.Inc()
		return q.Updates(map[string]any{"state": model.OutboxSent, "sent_at": now, "attempts": r.Attempts + 1,
			"claim": "", "last_error": "", "response_code": trunc(receipt.ResponseCode, 128), "updated_at": now}).Error
	}
	o.retries.Inc()
	attempts := r.Attempts + 1
	var undeliverable *UndeliverableError
	state := model.OutboxPending
	if errors.As(err, &undeliverable) || attempts >= o.opts.MaxAttempts {
		state = model.OutboxFailed
	}
	o.log.WarnContext(ctx, "outbox: send failed", "id", r.ID, "to", r.ToUser, "attempts", attempts, "state", state, "err", err)
	msg := err.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return q.Updates(map[string]any{"state": state, "attempts": attempts, "next_at": now.Add(o.backoff(attempts)),
		"last_error": msg, "claim": "", "updated_at": now}).Error
}

// send is the sender's Send with a panic (a bug, say in rendering one
// row) turned into an undeliverable row: failed now, instead of killing
// the server, and again every instance that claimed the row after it.
func (o *Outbox) send(ctx context.Context, m Outgoing) (err error) {
	defer func() {
		if v := recover(); v != nil {
			o.log.ErrorContext(ctx, "outbox: sending panicked", "id", m.ID, "panic", v, "stack", string(debug.Stack()))
			err = &UndeliverableError{Reason: fmt.Sprintf("sending panicked: %v", v)}
		}
	}()
	return o.sender.Send(ctx, m)
}

// backoff is the delay before attempt n+1: base·2^(n-1), at most max.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.opts.BackoffBase
	for i := 1; i < n && d < o.opts.BackoffMax; i++ {
		d *= 2
	}
	return min(d, o.opts.BackoffMax)
}

// RefreshGauge counts the rows not sent, for the orderhub_outbox_messages gauge.
func (o *Outbox) RefreshGauge(ctx context.Context) (err error) {
	defer wrapOp(&err, "Outbox.RefreshGauge")
	var counts []struct {
		State string
		N     int64
	}
	err = o.db.WithContext(ctx).Model(&model.Outbox{}).Select("state, COUNT(*) AS n").
		Where("state IN ?", []string{model.OutboxPending, model.OutboxFailed}).Group("state").Scan(&counts).Error
	if err != nil {
		return err
	}
	o.rows.WithLabelValues(model.OutboxPending).Set(0)
	o.rows.WithLabelValues(model.OutboxFailed).Set(0)
	for _, c := range counts {
		o.rows.WithLabelValues(c.State).Set(float64(c.N))
	}
	return nil
}

// List returns outbox rows in a state (pending, sent or failed), newest
// first, at most limit.
func (o *Outbox) List(ctx context.Context, state string, limit int) (_ []model.Outbox, err error) {
	defer wrapOp(&err, "Outbox.List")
	switch state {
	case model.OutboxPending, model.OutboxSent, model.OutboxFailed:
	default:
		return nil, invalid("state", CodeInvalidState, "state is pending, sent or failed")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []model.Outbox
	err = o.db.WithContext(ctx).Where("state = ?", state).Order("id DESC").Limit(limit).Find(&rows).Error
	return rows, err
}
