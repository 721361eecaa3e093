package kernel

import (
	"context"
	"errors"
)

// ReplySlot is a chat reply on its way through a write (service's
// Inbox.Write puts one in ctx). While it is not finished, every
// transaction InTx runs for that write must finish it: one that would
// commit without doing so is rolled back (ErrUnfinished), so a chat write
// cannot commit and leave its message open to run again. A write made of
// several transactions runs the ones before the last under
// HideReplySlot(ctx); those steps must be idempotent.
type ReplySlot struct {
	// Reply is what the write must answer with (service.Reply): the kernel
	// only carries it, the inbox reads it.
	Reply    any
	finished bool
}

// Finish marks the reply done by the transaction about to commit.
func (s *ReplySlot) Finish() { s.finished = true }

// Finished reports whether a transaction finished the reply.
func (s *ReplySlot) Finished() bool { return s.finished }

type replyKey struct{}

// WithReplySlot returns ctx carrying reply for the write about to run.
func WithReplySlot(ctx context.Context, reply any) (context.Context, *ReplySlot) {
	p := &ReplySlot{Reply: reply}
	return context.WithValue(ctx, replyKey{}, p), p
}

// HideReplySlot hides a pending reply from the transactions of ctx: an
// idempotent step of a write that finishes its message in a later
// transaction.
func HideReplySlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, replyKey{}, (*ReplySlot)(nil))
}

// ReplySlotOf returns the unfinished reply ctx carries, or nil.
func ReplySlotOf(ctx context.Context) *ReplySlot {
	p, _ := ctx.Value(replyKey{}).(*ReplySlot)
	if p == nil || p.finished {
		return nil
	}
	return p
}

// ErrUnfinished rolls back a chat write whose transaction did not finish
// its message: a programming error, refused rather than committed.
var ErrUnfinished = errors.New("service: a chat write's transaction did not finish its message (call finish before commit, or run the step under step(ctx))")
