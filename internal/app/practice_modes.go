package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"time"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/service"
)

// Route is the callback's question: is user practising now? Then their
// message goes to their sandbox's inbox and runner.
// Nearly every message is from someone without a sandbox: present
// answers that from memory (MySQL, within listTTL) or a stat (embedded).
// Whether a sandbox's owner practises is its session row, read every time
// (one indexed query), so 退出练习 on any instance takes effect at once.
// An error with a sandbox listed — deleted since the list was read — is
// checked against a fresh list before it fails the callback.
func (p *practice) Route(ctx context.Context, user string) (*service.Inbox, *bot.Runner, bool, error) {
	key := practiceKey(user)
	ok, err := p.present(ctx, key, false)
	if err != nil {
		return nil, nil, false, err
	}
	if !ok {
		p.forget(key)
		return nil, nil, false, nil
	}
	sb, active, err := p.active(ctx, key, user)
	if err != nil {
		if ok, ferr := p.present(ctx, key, true); ferr == nil && !ok {
			p.forget(key)
			return nil, nil, false, nil
		}
		return nil, nil, false, err
	}
	if !active {
		return nil, nil, false, nil
	}
	return sb.inbox, sb.runner, true, nil
}

// RealCard reports whether the real system sent the card taskID: a tap
// on it is the real system's, even from a trainee (bot.CardRouter).
func (p *practice) RealCard(ctx context.Context, taskID string) (bool, error) {
	return service.RealCard(ctx, p.real, taskID)
}

// active opens the sandbox key and reads whether user practises there.
func (p *practice) active(ctx context.Context, key, user string) (*sandbox, bool, error) {
	sb, err := p.open(ctx, key, user, false)
	if err != nil || sb == nil {
		return nil, false, err
	}
	ok, err := sb.practice.Active(ctx, user)
	return sb, ok, err
}

// realPractice is practice mode in the real bot: 练习 begins a sandbox,
// 练习进度 shows mentors every trainee.
type realPractice struct{ p *practice }

func (r realPractice) Sandbox() bool { return false }

// It answers no sooner than listTTL after the sandbox surely exists, so
// that no instance still routes by a list from before it (present).
func (r realPractice) Begin(ctx context.Context, a service.Actor) (service.PracticeStart, error) {
	key := practiceKey(a.ID)
	// A sandbox deleted by hand since this instance opened it is made
	// anew, not written through the old handle.
	if ok, err := r.p.present(ctx, key, true); err != nil {
		return service.PracticeStart{}, err
	} else if !ok {
		r.p.forget(key)
	}
	sb, err := r.p.open(ctx, key, a.ID, true)
	if err != nil {
		return service.PracticeStart{}, err
	}
	listed := time.Now().Add(r.p.listTTL) // every list read from now on has it
	st, err := sb.practice.Begin(ctx, a.ID, r.p.cfg.Practice.Orders)
	if err != nil {
		return st, err
	}
	if wait := time.Until(listed); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
	return st, nil
}

// End is not reached (a practising user's 退出练习 goes to their
// sandbox); it ends the session all the same.
func (r realPractice) End(ctx context.Context, a service.Actor) error {
	sb, err := r.p.open(ctx, practiceKey(a.ID), a.ID, false)
	if err != nil || sb == nil {
		return err
	}
	return sb.practice.End(ctx, a.ID)
}

// Progress: every sandbox for a mentor, else the asker's own.
func (r realPractice) Progress(ctx context.Context, a service.Actor) ([]service.PracticeProgress, error) {
	if r.p.cfg.PracticeMentor(a.Roles) {
		return r.p.All(ctx)
	}
	return r.p.progress(ctx, []string{practiceKey(a.ID)})
}

// All is every trainee's progress, earliest start first (the board's
// practice filter, and mentors in chat).
func (p *practice) All(ctx context.Context) ([]service.PracticeProgress, error) {
	keys, err := p.keys(ctx)
	if err != nil {
		return nil, err
	}
	return p.progress(ctx, keys)
}

func (p *practice) progress(ctx context.Context, keys []string) ([]service.PracticeProgress, error) {
	var out []service.PracticeProgress
	for _, k := range keys {
		sb, err := p.open(ctx, k, "", false)
		if err != nil {
			if _, ok, gerr := p.gone(ctx, k, err); gerr == nil && !ok {
				continue
			}
			return nil, err
		}
		if sb == nil {
			continue
		}
		pr, err := sb.practice.Progress(ctx)
		if errors.Is(err, service.ErrNotFound) {
			continue
		}
		if err != nil {
			// Removed since it was listed (on another instance).
			if _, ok, gerr := p.gone(ctx, k, err); gerr == nil && !ok {
				continue
			}
			return nil, err
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out, nil
}

func (r realPractice) Refused(context.Context, model.PracticeRefusal) {}

// Mentor: practice.mentor_roles, as for 练习进度.
func (r realPractice) Mentor(a service.Actor) bool { return r.p.cfg.PracticeMentor(a.Roles) }

// Restart removes a's sandbox, if any, and begins a fresh one (as 练习
// does for a first time); old is how the one thrown away stood, nil when
// there was none (or it was never filled).
func (r realPractice) Restart(ctx context.Context, a service.Actor) (*service.PracticeProgress, service.PracticeStart, error) {
	key := practiceKey(a.ID)
	ps, err := r.p.progress(ctx, []string{key})
	if err != nil {
		return nil, service.PracticeStart{}, err
	}
	if err := r.p.remove(ctx, key); err != nil {
		return nil, service.PracticeStart{}, err
	}
	var old *service.PracticeProgress
	if len(ps) == 1 {
		old = &ps[0]
	}
	st, err := r.Begin(ctx, a)
	return old, st, err
}

// Remove removes userID's sandbox, for a mentor: their practice ends
// (their next message goes to the real system). It returns how the
// sandbox stood; NotFoundError "practice" when userID has none.
func (r realPractice) Remove(ctx context.Context, by service.Actor, userID string) (service.PracticeProgress, error) {
	if !r.Mentor(by) {
		return service.PracticeProgress{}, &service.ForbiddenError{Actor: by.ID, Need: r.p.cfg.Practice.MentorRoles, What: "remove a practice sandbox"}
	}
	key := practiceKey(userID)
	ps, err := r.p.progress(ctx, []string{key})
	if err != nil {
		return service.PracticeProgress{}, err
	}
	if len(ps) == 0 {
		// Made and never filled: nothing to show, removed all the same.
		if ok, err := r.p.exists(ctx, key); err != nil || !ok {
			return service.PracticeProgress{}, errors.Join(err, &service.NotFoundError{What: "practice", Key: userID})
		}
		ps = []service.PracticeProgress{{UserID: userID}}
	}
	return ps[0], r.p.remove(ctx, key)
}

// sandboxPractice is practice mode in a trainee's sandbox bot.
type sandboxPractice struct {
	sb  *sandbox
	log *slog.Logger
}

func (s sandboxPractice) Sandbox() bool { return true }

func (s sandboxPractice) Begin(ctx context.Context, a service.Actor) (service.PracticeStart, error) {
	return s.sb.practice.Begin(ctx, a.ID, 0)
}

func (s sandboxPractice) End(ctx context.Context, a service.Actor) error {
	return s.sb.practice.End(ctx, a.ID)
}

func (s sandboxPractice) Progress(ctx context.Context, _ service.Actor) ([]service.PracticeProgress, error) {
	pr, err := s.sb.practice.Progress(ctx)
	if err != nil {
		return nil, err
	}
	return []service.PracticeProgress{pr}, nil
}

// Mentor is false in a sandbox: the trainee holds every lead role there,
// which must not make them a mentor of the real trainees.
func (s sandboxPractice) Mentor(service.Actor) bool { return false }

// Restart and Remove are not reached in a sandbox: the callback sends
// 重新练习 and 删除练习 to the real system (bot.RealOnly).
func (s sandboxPractice) Restart(context.Context, service.Actor) (*service.PracticeProgress, service.PracticeStart, error) {
	return nil, service.PracticeStart{}, errors.New("practice: restart from inside a sandbox")
}

func (s sandboxPractice) Remove(context.Context, service.Actor, string) (service.PracticeProgress, error) {
	return service.PracticeProgress{}, errors.New("practice: remove from inside a sandbox")
}

func (s sandboxPractice) Refused(ctx context.Context, r model.PracticeRefusal) {
	if err := s.sb.practice.Refused(ctx, r); err != nil {
		s.log.ErrorContext(ctx, "practice: record refusal", "err", err)
	}
}

// practiceSender sends what a sandbox sends to the trainee only, marked
// 练习: whoever a message was for (the next stage's owner, a lead, a
// keeper), it reaches the trainee. Subscribe messages, texts and channel
// webhooks, which would reach buyers and outside systems, are dropped
// (marked sent: there is nobody outside a sandbox to tell).
type practiceSender struct {
	trainee string
	wecom   service.Sender
}

func (s practiceSender) Send(ctx context.Context, m service.Outgoing) error {
	if m.MsgType == service.MsgTypeSubscribe || m.MsgType == service.MsgTypeChannelWebhook || m.MsgType == service.MsgTypeSMS {
		return nil
	}
	m.ToUser = s.trainee
	m.Body = markPractice(m.Body)
	return s.wecom.Send(ctx, m)
}

// markPractice puts PracticeMark before a message's text: content (text,
// markdown), or a card's title.
func markPractice(body json.RawMessage) json.RawMessage {
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		return body
	}
	if c, ok := v["content"].(string); ok {
		v["content"] = bot.PracticeMark + c
	} else if mt, ok := v["main_title"].(map[string]any); ok {
		t, _ := mt["title"].(string)
		mt["title"] = bot.PracticeMark + t
	} else if t, ok := v["title"].(string); ok {
		v["title"] = bot.PracticeMark + t
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}
