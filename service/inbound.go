package service

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// ErrHandled refuses a write whose chat message was answered meanwhile (by
// another instance, or by a resumed run): the write was rolled back, so a
// message runs at most once even when two workers race on it.
var ErrHandled = &ConflictError{code: CodeAlreadyHandled, Message: "this message was already handled"}

// Reply ties a write to the chat message that asked for it. A write
// method whose ctx carries a Reply ends its transaction by marking the
// message done and queueing what Render returns, so the change, the answer
// and the "done" commit together or not at all.
type Reply struct {
	InboundID uint64
	Render    func(Outcome) []Message
}

type replyKey struct{}

// WithReply returns ctx carrying r for the next write.
func WithReply(ctx context.Context, r Reply) context.Context {
	return context.WithValue(ctx, replyKey{}, r)
}

// Outcome is what a write did, as its transaction ends; Render turns it
// into messages. Exactly one of the pointers is set.
type Outcome struct {
	Stage    *StageChange
	Stock    *StockLine
	Delta    int64 // for a count: counted minus what was on hand
	Transfer *model.Transfer
	// Receivers are the keepers of the warehouse a dispatched transfer
	// goes to, told it is on its way.
	Receivers []model.Staff
	Ticket    *TicketView
	Attached  *Attachment
	// Intake is a chat draft made, confirmed or cancelled, or a held
	// order resolved.
	Intake *IntakeView
}

// StageChange is an order that moved to another stage.
type StageChange struct {
	OrderID             uint64
	No                  string
	From, To            string
	Owner               *model.Staff // the new stage's owner, if any
	Carrier, TrackingNo string
}

// finish is the end-of-transaction hook of every write a chat message can
// ask for; without a Reply in ctx it does nothing.
func finish(ctx context.Context, tx *gorm.DB, now time.Time, out Outcome) error {
	r, ok := ctx.Value(replyKey{}).(Reply)
	if !ok {
		return nil
	}
	if err := markDone(tx, r.InboundID, model.InboundDone, "", now); err != nil {
		return err
	}
	var msgs []Message
	if r.Render != nil {
		msgs = r.Render(out)
	}
	return enqueue(tx, now, r.InboundID, msgs)
}

func markDone(tx *gorm.DB, id uint64, state, reason string, now time.Time) error {
	res := model.Row(tx, &model.Inbound{}).Where("id = ? AND state = ?", id, model.InboundNew).
		Updates(map[string]any{"state": state, "done_at": now, "last_error": reason})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrHandled
	}
	return nil
}

// Inbox records what WeCom users send, and answers it.
type Inbox struct {
	db    *gorm.DB
	clock Clock
}

// NewInbox returns an Inbox.
func NewInbox(db *gorm.DB, clock Clock) *Inbox {
	if db == nil || clock == nil {
		panic("service: NewInbox: nil dependency")
	}
	return &Inbox{db: db, clock: clock}
}

// InboundMessage is a decrypted WeCom message or event.
type InboundMessage struct {
	Key      string // see model.Inbound.MsgKey
	From     string
	Type     string
	Content  string
	MediaID  string
	Event    string
	EventKey string
	SentAt   time.Time
}

// Record stores a message before the callback is answered, held by the
// caller for lease. fresh is false when the key was recorded before
// (WeCom's retry, a replay): then nothing must run.
func (b *Inbox) Record(ctx context.Context, m InboundMessage, lease time.Duration) (row model.Inbound, fresh bool, err error) {
	if m.Key == "" || len(m.Key) > 191 {
		return row, false, invalid("msg_key", CodeInvalidKey, "message key must be 1 to 191 bytes")
	}
	now := b.clock()
	row = model.Inbound{MsgKey: m.Key, FromUser: trunc(m.From, 64), MsgType: trunc(m.Type, 16), Content: trunc(m.Content, 4000),
		MediaID: trunc(m.MediaID, 255), Event: trunc(m.Event, 64), EventKey: trunc(m.EventKey, 255),
		State: model.InboundNew, LeaseUntil: now.Add(lease), Attempts: 1, SentAt: m.SentAt.UTC(), CreatedAt: now}
	err = b.db.WithContext(ctx).Create(&row).Error
	if isDuplicate(err) {
		return row, false, nil
	}
	return row, err == nil, err
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Answer marks a message done and queues msgs, in one transaction: the
// answer to a read-only command, or a refusal whose write rolled back.
func (b *Inbox) Answer(ctx context.Context, id uint64, msgs ...Message) (err error) {
	defer wrapOp(&err, "Inbox.Answer")
	return inTx(ctx, b.db, func(tx *gorm.DB) error {
		now := b.clock()
		if err := markDone(tx, id, model.InboundDone, "", now); err != nil {
			return err
		}
		return enqueue(tx, now, id, msgs)
	})
}

// Fail gives up on a message (it failed attempts times), queueing msgs
// (an apology) with the verdict.
func (b *Inbox) Fail(ctx context.Context, id uint64, reason string, msgs ...Message) (err error) {
	defer wrapOp(&err, "Inbox.Fail")
	return inTx(ctx, b.db, func(tx *gorm.DB) error {
		now := b.clock()
		if err := markDone(tx, id, model.InboundFailed, trunc(reason, 500), now); err != nil {
			return err
		}
		return enqueue(tx, now, id, msgs)
	})
}

// Note records why a run failed; the message is run again when its lease
// runs out.
func (b *Inbox) Note(ctx context.Context, id uint64, reason string) (err error) {
	defer wrapOp(&err, "Inbox.Note")
	return model.Row(b.db.WithContext(ctx), &model.Inbound{}).Where("id = ? AND state = ?", id, model.InboundNew).
		Update("last_error", trunc(reason, 500)).Error
}

// Due claims up to limit unfinished messages whose lease ran out (their
// worker died, or failed), holding each for lease. Two instances never
// claim the same one: the claim is a conditional update on the attempt count, which every
// claim increments.
func (b *Inbox) Due(ctx context.Context, limit int, lease time.Duration) (_ []model.Inbound, err error) {
	defer wrapOp(&err, "Inbox.Due")
	now := b.clock()
	db := b.db.WithContext(ctx)
	var cands []model.Inbound
	if err := db.Where("state = ? AND lease_until <= ?", model.InboundNew, now).Order("id").Limit(limit).Find(&cands).Error; err != nil {
		return nil, err
	}
	var out []model.Inbound
	for _, c := range cands {
		res := model.Row(db, &model.Inbound{}).Where("id = ? AND state = ? AND attempts = ?", c.ID, model.InboundNew, c.Attempts).
			Updates(map[string]any{"lease_until": now.Add(lease), "attempts": gorm.Expr("attempts + 1")})
		if res.Error != nil {
			return out, res.Error
		}
		if res.RowsAffected == 1 {
			c.Attempts++
			c.LeaseUntil = now.Add(lease)
			out = append(out, c)
		}
	}
	return out, nil
}

// Get returns one recorded message.
func (b *Inbox) Get(ctx context.Context, id uint64) (_ model.Inbound, err error) {
	defer wrapOp(&err, "Inbox.Get")
	var m model.Inbound
	err = b.db.WithContext(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, &NotFoundError{What: "message", Key: ""}
	}
	return m, err
}
