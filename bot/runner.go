package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"orderhub/internal/reqlog"
	"orderhub/model"
	"orderhub/service"
)

// RunnerOptions tunes the command runner.
type RunnerOptions struct {
	Workers     int           // commands run at once
	Lease       time.Duration // a running message is held this long; then another run may take it
	MaxAttempts int           // runs that fail with internal errors before giving up with an apology
	Resume      time.Duration // how often unfinished messages are looked for
}

// Runner runs recorded messages: those the callback hands over, and those
// left unfinished (a crash, a failure) once their lease runs out — also
// another instance's, so nothing a user sent is lost.
type Runner struct {
	bot   *Bot
	inbox *service.Inbox
	poke  func()
	log   *slog.Logger
	opts  RunnerOptions
	lease time.Duration
	queue chan model.Inbound
}

// NewRunner returns a Runner; poke wakes the outbox dispatcher.
func NewRunner(b *Bot, inbox *service.Inbox, poke func(), log *slog.Logger, opts RunnerOptions) *Runner {
	if b == nil || inbox == nil || poke == nil || log == nil {
		panic("bot: NewRunner: nil dependency")
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Resume <= 0 {
		opts.Resume = opts.Lease / 2
	}
	return &Runner{bot: b, inbox: inbox, poke: poke, log: log, opts: opts, lease: opts.Lease, queue: make(chan model.Inbound, 1024)}
}

// Submit queues a freshly recorded message. When the queue is full the
// message waits in the database and is resumed when its lease runs out.
func (r *Runner) Submit(m model.Inbound) {
	select {
	case r.queue <- m:
	default:
		r.log.Warn("bot: run queue full; the message will be resumed from the database", "id", m.ID)
	}
}

// Run works until ctx is cancelled: first the messages left unfinished,
// then what the callback submits, looking for unfinished ones every
// Resume. On cancel it stops taking work, finishes the commands running,
// and returns; messages still queued are resumed on the next start.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < r.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case m := <-r.queue:
					r.Process(context.WithoutCancel(ctx), m)
				}
			}
		}()
	}
	t := time.NewTicker(r.opts.Resume)
	defer t.Stop()
	for {
		r.Resume(ctx)
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
		}
	}
}

// Drain runs the messages queued now, in the calling goroutine, and
// returns when the queue is empty (tests; a worker pool does it in Run).
func (r *Runner) Drain(ctx context.Context) {
	for {
		select {
		case m := <-r.queue:
			r.Process(ctx, m)
		default:
			return
		}
	}
}

// Resume claims and runs unfinished messages whose lease ran out.
func (r *Runner) Resume(ctx context.Context) {
	for ctx.Err() == nil {
		due, err := r.inbox.Due(ctx, 32, r.lease)
		if err != nil {
			r.log.ErrorContext(ctx, "bot: resume", "err", err)
			return
		}
		for _, m := range due {
			r.Process(context.WithoutCancel(ctx), m)
		}
		if len(due) < 32 {
			return
		}
	}
}

// Process runs one message. An internal failure leaves it for a later
// run; after MaxAttempts the user gets an apology and it is marked failed.
func (r *Runner) Process(ctx context.Context, m model.Inbound) {
	ctx = reqlog.WithID(ctx, m.MsgKey)
	h, err := r.handle(ctx, m)
	var bug errPanicked
	switch {
	case errors.As(err, &bug):
		// Run again it would panic again, and take down every instance
		// that resumed it: answered and closed now.
		if err := r.inbox.Fail(ctx, m.ID, err.Error(), service.Text("抱歉，系统出错了，这条消息没能处理，已记录下来交给管理员。（编号 "+m.MsgKey+"）", m.FromUser)); err != nil && !errors.Is(err, service.ErrHandled) {
			r.log.ErrorContext(ctx, "bot: give up", "id", m.ID, "err", err)
		}
		r.poke()
		return
	case err == nil && !h.Valid():
		// Only a handler returning a hand-made service.Handled{} gets here.
		err = errors.New("bot: a command returned without finishing its message")
	case err == nil, errors.Is(err, service.ErrHandled):
		r.poke()
		return
	}
	r.log.ErrorContext(ctx, "bot: command failed", "id", m.ID, "from", m.FromUser, "attempt", m.Attempts, "err", err)
	if service.IsPermanent(err) {
		// Running it again would fail the same way: say so now.
		if err := r.inbox.Fail(ctx, m.ID, err.Error(), service.Text("抱歉，这条命令的内容超出了系统能保存的范围，没能处理。请检查后重发，或联系管理员。（编号 "+m.MsgKey+"）", m.FromUser)); err != nil && !errors.Is(err, service.ErrHandled) {
			r.log.ErrorContext(ctx, "bot: give up", "id", m.ID, "err", err)
		}
		r.poke()
		return
	}
	if m.Attempts < r.opts.MaxAttempts {
		_ = r.inbox.Note(ctx, m.ID, err.Error())
		return
	}
	if err := r.inbox.Fail(ctx, m.ID, err.Error(), service.Text("抱歉，系统出错了，这条消息没能处理，请稍后再发一次。（编号 "+m.MsgKey+"）", m.FromUser)); err != nil && !errors.Is(err, service.ErrHandled) {
		r.log.ErrorContext(ctx, "bot: give up", "id", m.ID, "err", err)
	}
	r.poke()
}

// errPanicked is a command that panicked (a bug).
type errPanicked struct{ v any }

func (e errPanicked) Error() string { return fmt.Sprintf("bot: the command panicked: %v", e.v) }

// handle is Bot.Handle with a panic turned into errPanicked, logged with
// its stack: a message that crashed the server would be resumed after the
// restart (nothing a user sent is lost) and crash it again, for good.
func (r *Runner) handle(ctx context.Context, m model.Inbound) (h service.Handled, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.ErrorContext(ctx, "bot: command panicked", "id", m.ID, "from", m.FromUser, "panic", v, "stack", string(debug.Stack()))
			h, err = service.Handled{}, errPanicked{v}
		}
	}()
	return r.bot.Handle(ctx, m)
}
