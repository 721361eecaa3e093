package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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

// Enqueue writes msgs into the outbox inside tx: they are sent only if tx
// commits, and are not lost once it has. inboundID, when not 0, is the
// chat message they answer.
func Enqueue(tx *gorm.DB, now time.Time, inboundID uint64, msgs []Message) error {
	for _, m := range msgs {
		if _, err := EnqueueOne(tx, now, inboundID, m); err != nil {
			return err
		}
	}
	return nil
}

// EnqueueOne is the one way a row gets into the outbox. It returns the row
// queued; its ID is 0 when m had no recipient or its key was queued
// before (nothing was written).
func EnqueueOne(tx *gorm.DB, now time.Time, inboundID uint64, m Message) (model.Outbox, error) {
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

// Trunc cuts s to at most n bytes on a rune boundary: what fits a column
// of n bytes.
func Trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
