package service

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/kernel"
)

// ErrHandled refuses a write whose chat message was answered meanwhile (by
// another instance, or by a resumed run): the write was rolled back, so a
// message runs at most once even when two workers race on it.
var ErrHandled = Conflict(CodeAlreadyHandled, "这条消息已处理过")

// Reply ties a write to the chat message that asked for it: Render turns
// the write's Outcome into the answer. Inbox.Write carries it into the
// write, whose transaction ends by marking the message done and queueing
// the answer (finish), so the change, the answer and the "done" commit
// together or not at all.
type Reply struct {
	InboundID uint64
	Render    func(Outcome) []Message
}

// withReply returns ctx carrying r for the write about to run (the
// kernel's reply slot, which every transaction of the write checks).
func withReply(ctx context.Context, r Reply) (context.Context, *kernel.ReplySlot) {
	return kernel.WithReplySlot(ctx, r)
}

// step hides a pending reply from the transactions of ctx: an idempotent
// step of a write that finishes its message in a later transaction.
func step(ctx context.Context) context.Context { return kernel.HideReplySlot(ctx) }

// Handled proves that a chat message was finished: answered by
// Inbox.Respond, or written and answered by Inbox.Write. The bot's command
// handlers must return one, so a handler that forgets to answer does not
// compile; only this package makes a valid one.
type Handled struct{ id uint64 }

// Valid reports a Handled made by the Inbox (the zero value is not).
func (h Handled) Valid() bool { return h.id != 0 }

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
	// Link is a buyer's link request approved or rejected.
	Link *LinkRequestView
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
	p := pendingOf(ctx)
	if p == nil {
		return nil
	}
	r := p.Reply.(Reply)
	if err := markDone(tx, r.InboundID, model.InboundDone, "", now); err != nil {
		return err
	}
	var msgs []Message
	if r.Render != nil {
		msgs = r.Render(out)
	}
	if err := enqueue(tx, now, r.InboundID, msgs); err != nil {
		return err
	}
	p.Finish()
	return nil
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
	rec   *recorder // Record's group commit (inboundbatch.go)
}

// NewInbox returns an Inbox.
func NewInbox(db *gorm.DB, clock Clock) *Inbox {
	if db == nil || clock == nil {
		panic("service: NewInbox: nil dependency")
	}
	return &Inbox{db: db, clock: clock, rec: &recorder{db: db}}
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
		return row, false, invalid("msg_key", CodeInvalidKey, "消息键须为 1 到 191 字节")
	}
	now := b.clock()
	row = model.Inbound{MsgKey: m.Key, FromUser: trunc(m.From, 64), MsgType: trunc(m.Type, 16), Content: trunc(m.Content, 4000),
		MediaID: trunc(m.MediaID, 255), Event: trunc(m.Event, 64), EventKey: trunc(m.EventKey, 255),
		State: model.InboundNew, LeaseUntil: now.Add(lease), Attempts: 1, SentAt: m.SentAt.UTC(), CreatedAt: now}
	if err := ctx.Err(); err != nil {
		return row, false, err
	}
	return b.rec.record(row)
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

// Respond answers a message without a write (a read-only command, a
// refusal whose write rolled back): it is marked done with msgs queued.
func (b *Inbox) Respond(ctx context.Context, id uint64, msgs ...Message) (Handled, error) {
	if err := b.Answer(ctx, id, msgs...); err != nil {
		return Handled{}, err
	}
	return Handled{id: id}, nil
}

// Write runs a write a chat message asked for. The write's transaction
// finishes the message with r's answer (a transaction that would commit
// without doing so is rolled back), so when do returns nil the change,
// the answer and "done" have committed together. A refusal comes back as
// do's error, with the message still open for the caller to answer.
func (b *Inbox) Write(ctx context.Context, r Reply, do func(ctx context.Context) error) (Handled, error) {
	wctx, p := withReply(ctx, r)
	if err := do(wctx); err != nil {
		return Handled{}, err
	}
	if !p.Finished() {
		// do committed nothing for this message (it ran no transaction).
		return Handled{}, errUnfinished
	}
	return Handled{id: r.InboundID}, nil
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

// ReplyProgress says how far the answer to one chat message has got: the
// message handled, and how many of the messages its handling queued have
// left the outbox (sent, or given up).
type ReplyProgress struct {
	Handled bool `json:"handled"`
	Queued  int  `json:"queued"`
	Settled int  `json:"settled"`
}

// Done reports whether everything the message caused has been sent.
func (p ReplyProgress) Done() bool { return p.Handled && p.Settled >= p.Queued }

// Progress looks up the message WeCom delivered as msgKey ("msg:<MsgId>"):
// `orderhub chat` asks it to print the replies the moment they are all
// out, instead of waiting for a quiet spell. An unknown key is not yet
// recorded: nothing handled.
func (b *Inbox) Progress(ctx context.Context, msgKey string) (_ ReplyProgress, err error) {
	defer wrapOp(&err, "Inbox.Progress")
	db := b.db.WithContext(ctx)
	var m model.Inbound
	if err := db.Where("msg_key = ?", msgKey).Take(&m).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ReplyProgress{}, nil
		}
		return ReplyProgress{}, err
	}
	p := ReplyProgress{Handled: m.State != model.InboundNew}
	var rows []struct {
		State string
		N     int
	}
	if err := db.Model(&model.Outbox{}).Select("state, COUNT(*) AS n").Where("inbound_id = ?", m.ID).Group("state").Scan(&rows).Error; err != nil {
		return ReplyProgress{}, err
	}
	for _, r := range rows {
		p.Queued += r.N
		if r.State != model.OutboxPending {
			p.Settled += r.N
		}
	}
	return p, nil
}
