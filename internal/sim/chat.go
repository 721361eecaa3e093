package sim

import (
	"context"
	"strings"
	"sync/atomic"
	"time"
)

// How the simulated people talk to orderhub in chat: a command and the
// answer they wait for (with their patience), a command fired without
// waiting, and what an answer says happened.

// ask sends a command as user and waits for orderhub's answer to it: the
// first message to user that is not a push and that expect accepts (nil:
// any). Answers to commands fired earlier are noted on the way (onReply);
// pushes stay in the mailbox for the person's loop.
func (w *world) ask(ctx context.Context, user, text string, expect func(string) bool) (string, error) {
	var keep []Msg
	for _, m := range w.e.Take(user) {
		if isPush(m) {
			keep = append(keep, m)
		} else {
			w.onReply(m.Content)
		}
	}
	defer func() { w.putBack(user, keep) }()
	atomic.AddInt64(&w.out.Commands, 1)
	sent := time.Now()
	if err := w.e.Say(ctx, user, text); err != nil {
		return "", err
	}
	giveUp := w.patience()
	defer giveUp.stop()
	for {
		for _, m := range w.e.Take(user) {
			switch {
			case isPush(m):
				keep = append(keep, m)
			case expect == nil || expect(m.Content):
				w.latMu.Lock()
				w.latencies = append(w.latencies, float64(time.Since(sent)))
				w.latMu.Unlock()
				return m.Content, nil
			default:
				w.onReply(m.Content)
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-giveUp.c:
			if !giveUp.over() {
				continue
			}
			w.noReply(text)
			return "", ErrNoReply
		case <-w.e.Wait(user):
		}
	}
}

// patience is how long a person waits for the answer they expect: five
// business minutes — an answer they did not expect, read, and nothing
// more coming — or answerWait of real time while the clock waits for
// orderhub's answer (a slow machine is not a person giving up).
type patience struct {
	w     *world
	since time.Time // business
	real  time.Time
	t     *time.Timer
	c     <-chan time.Time
}

const giveUpAfter = 5 * time.Minute

func (w *world) patience() *patience {
	p := &patience{w: w, since: w.clock.Now(), real: time.Now(), t: time.NewTimer(w.clock.RealFor(giveUpAfter))}
	p.c = p.t.C
	return p
}

// over says whether the person gives up now; if not, the timer is set to
// look again.
func (p *patience) over() bool {
	if p.w.clock.Now().Sub(p.since) >= giveUpAfter || time.Since(p.real) >= answerWait {
		return true
	}
	p.t.Reset(max(20*time.Millisecond, p.w.clock.RealFor(giveUpAfter-p.w.clock.Now().Sub(p.since))))
	return false
}

func (p *patience) stop() { p.t.Stop() }

// noReply counts a command whose expected answer never came, keeping the
// first few for the report.
func (w *world) noReply(text string) {
	atomic.AddInt64(&w.out.NoReply, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.out.NoReplyTo) < 10 {
		r := []rune(text)
		if len(r) > 40 {
			r = r[:40]
		}
		w.out.NoReplyTo = append(w.out.NoReplyTo, string(r))
	}
}

// fire sends a command without waiting: a person types the next message
// while the answer is on its way. The answer is noted when it arrives
// (onReply, from the person's loop).
func (w *world) fire(ctx context.Context, user, text string) {
	atomic.AddInt64(&w.out.Commands, 1)
	// Posting the callback takes real time (orderhub records the message
	// before it answers), which the compression would turn into business
	// minutes of the person's day: post it in the background, a bounded
	// number at a time.
	w.inflight.Add(1)
	go func() {
		defer w.inflight.Done()
		select {
		case w.posting <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-w.posting }()
		_ = w.e.Say(ctx, user, text)
	}()
}

// onReply notes what an answer says happened: a shipment, a ticket
// opened, acknowledged or resolved.
func (w *world) onReply(s string) {
	switch {
	case reAdvanced.MatchString(s):
		w.advanced(w.runCtx, s)
	case strings.HasPrefix(s, "已登记异常"):
		if tk := reTicket.FindString(s); tk != "" {
			w.mu.Lock()
			w.tickets[tk] = true
			w.mu.Unlock()
			atomic.AddInt64(&w.out.StaffProblems, 1)
		}
	case strings.HasPrefix(s, "已接单："):
		atomic.AddInt64(&w.out.Acks, 1)
	case strings.HasPrefix(s, "已处理："):
		if tk := reTicket.FindString(s); tk != "" {
			w.mu.Lock()
			w.tickets[tk] = false
			w.mu.Unlock()
		}
	}
}

func (w *world) putBack(user string, msgs []Msg) {
	if len(msgs) == 0 {
		return
	}
	b := w.e.box(user)
	b.mu.Lock()
	b.msgs = append(msgs, b.msgs...)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// isPush tells orderhub's pushes (new work, new tickets, escalation cards
// and digests, notices about tickets) from answers to a command.
func isPush(m Msg) bool {
	if m.MsgType == "template_card" {
		return true
	}
	c := m.Content
	for _, p := range []string{"新待办：", "新工单 ", "**催办汇总", "**待办提醒"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	// 工单 TK…（订单 SO…）已处理 tells of a ticket's change; an answer
	// to 收到/处理 that begins 工单 TK… names no order.
	return strings.HasPrefix(c, "工单 ") && strings.Contains(c, "（订单 ")
}
