package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// task is one thing a person means to do, no earlier than at.
type task struct {
	at       time.Time
	kind     string // order, ticket, transfer, escalation
	order    string
	stage    string // stage name the order was in when the task was made
	ticket   string
	transfer int
	ack      bool // ticket: acknowledge first
	what     string
	holder   string
	customer int // phone: the caller's customer
}

type agent struct {
	w     *world
	p     *Person
	r     *rand.Rand
	tasks []task
	next  time.Time // next 待办 check
}

// staffLoop plays one person until ctx ends: on shift and not absent, they
// act on pushes after their reaction time, look at 待办 every check_every,
// and take work_time per task; off shift, absent or ignoring the phone,
// everything waits.
func (w *world) staffLoop(ctx context.Context, p *Person) {
	a := &agent{w: w, p: p, r: seedFor(w.opt.Seed, "staff", p.UserID)}
	wasPresent := false
	for ctx.Err() == nil {
		now := w.clock.Now()
		present, back := p.Present(now)
		if !present {
			wasPresent = false
			if !w.clock.Until(ctx, back) {
				return
			}
			continue
		}
		a.collect(now)
		if !wasPresent {
			wasPresent = true
			a.next = now // back at work: look at what is waiting
		}
		if t, ok := a.due(now); ok {
			a.do(ctx, t)
			continue
		}
		if !now.Before(a.next) {
			a.checkTodo(ctx)
			continue
		}
		wake := a.next
		for _, t := range a.tasks {
			if t.at.Before(wake) {
				wake = t.at
			}
		}
		// Sleep until the next thing, a push arriving, or a short step
		// so that the start of an absence is noticed.
		step := now.Add(15 * time.Minute)
		if step.Before(wake) {
			wake = step
		}
		d := w.clock.RealFor(wake.Sub(now))
		if stalled, _ := w.clock.stalled(); stalled {
			d = max(d, 20*time.Millisecond) // the clock waits for orderhub: so do we
		}
		if d > 0 {
			tm := time.NewTimer(d)
			select {
			case <-ctx.Done():
				tm.Stop()
				return
			case <-tm.C:
			case <-w.e.Wait(p.UserID):
				tm.Stop()
			}
		}
	}
}

// collect turns pushes received into tasks, each after the person's
// reaction time.
func (a *agent) collect(now time.Time) {
	a.w.mu.Lock()
	handed := a.w.handed[a.p.UserID]
	delete(a.w.handed, a.p.UserID)
	a.w.mu.Unlock()
	for _, t := range handed {
		t.at = now.Add(between(a.r, a.p.React))
		a.add(t)
	}
	for _, m := range a.w.e.Take(a.p.UserID) {
		at := now.Add(between(a.r, a.p.React))
		switch {
		case m.MsgType == "template_card":
			a.escalation(at, cardSubjects(m.Content))
		case strings.HasPrefix(m.Content, "**催办汇总"):
			a.escalation(at, digestSubjects(m.Content))
			a.nudged(at, m.Content)
		case strings.HasPrefix(m.Content, "**待办提醒"):
			a.nudged(at, m.Content)
		case strings.HasPrefix(m.Content, "新待办："):
			no := reOrder.FindString(m.Content)
			stage := ""
			if i := strings.Index(m.Content, "已到「"); i >= 0 {
				stage, _, _ = strings.Cut(m.Content[i+len("已到「"):], "」")
			}
			a.add(task{at: at, kind: "order", order: no, stage: stage})
		case strings.HasPrefix(m.Content, "新工单 "):
			a.add(task{at: at, kind: "ticket", ticket: reTicket.FindString(m.Content), ack: true})
		case !isPush(m):
			a.w.onReply(m.Content) // the answer to a command fired earlier
		}
	}
}

// nudged: a reminder of one's own work (待办提醒, alone or in a digest)
// is acted on as a new task is, after the person's reaction time.
func (a *agent) nudged(at time.Time, content string) {
	for _, line := range strings.Split(content, "\n") {
		if !strings.Contains(line, "待办提醒：") {
			continue
		}
		if tk := reTicket.FindString(line); tk != "" {
			a.add(task{at: at, kind: "ticket", ticket: tk, ack: strings.Contains(line, "未接单")})
			continue
		}
		if no := reOrder.FindString(line); no != "" {
			stage := ""
			if i := strings.Index(line, "在「"); i >= 0 {
				stage, _, _ = strings.Cut(line[i+len("在「"):], "」")
			}
			a.add(task{at: at, kind: "order", order: no, stage: stage})
		}
	}
}

// subject is what one escalation push is about.
type subject struct {
	what, ticket, order, stage, holder string
}

func cardSubjects(content string) []subject {
	var card struct {
		MainTitle struct {
			Title string `json:"title"`
		} `json:"main_title"`
		KV []struct {
			Key   string `json:"keyname"`
			Value string `json:"value"`
		} `json:"horizontal_content_list"`
	}
	if json.Unmarshal([]byte(content), &card) != nil {
		return nil
	}
	s := subject{what: card.MainTitle.Title}
	for _, kv := range card.KV {
		switch kv.Key {
		case "工单":
			s.ticket = kv.Value
		case "订单":
			s.order = kv.Value
		case "阶段":
			s.stage = kv.Value
		case "负责人":
			s.holder = kv.Value
		}
	}
	return []subject{s}
}

func digestSubjects(content string) []subject {
	var out []subject
	for _, line := range strings.Split(content, "\n") {
		tk := reTicket.FindString(line)
		if tk == "" {
			continue
		}
		s := subject{what: line, ticket: tk, order: reOrder.FindString(line)}
		if i := strings.Index(line, "在「"); i >= 0 {
			s.stage, _, _ = strings.Cut(line[i+len("在「"):], "」")
		}
		out = append(out, s)
	}
	return out
}

// escalation: a lead or director pushed about something acts on it with
// the profile's probability.
func (a *agent) escalation(at time.Time, subs []subject) {
	read := true // reading the push takes a minute or two, once for a digest
	for _, s := range subs {
		if s.ticket == "" || a.r.Float64() >= a.p.Ack {
			continue
		}
		a.add(task{at: at, kind: "escalation", ticket: s.ticket, order: s.order, stage: s.stage, holder: s.holder, what: s.what, ack: read})
		read = false
	}
}

func (a *agent) add(t task) {
	for _, x := range a.tasks {
		if x.kind == t.kind && x.order == t.order && x.ticket == t.ticket && x.transfer == t.transfer {
			return
		}
	}
	a.tasks = append(a.tasks, t)
}

func (a *agent) due(now time.Time) (task, bool) {
	best := -1
	for i, t := range a.tasks {
		if !t.at.After(now) && (best < 0 || t.at.Before(a.tasks[best].at)) {
			best = i
		}
	}
	if best < 0 {
		return task{}, false
	}
	t := a.tasks[best]
	a.tasks = slices.Delete(a.tasks, best, best+1)
	return t, true
}

// checkTodo sends 待办 and queues what it lists.
func (a *agent) checkTodo(ctx context.Context) {
	now := a.w.clock.Now()
	a.next = now.Add(time.Duration(float64(a.p.CheckEvery) * (0.8 + 0.4*a.r.Float64())))
	reply, err := a.w.ask(ctx, a.p.UserID, "待办", func(s string) bool {
		return strings.HasPrefix(s, "**待办**") || strings.HasPrefix(s, "目前没有待办")
	})
	if err != nil {
		return
	}
	section := ""
	for _, line := range strings.Split(reply, "\n") {
		switch {
		case strings.Contains(line, "订单（"):
			section = "orders"
			continue
		case strings.Contains(line, "工单（"):
			section = "tickets"
			continue
		case strings.Contains(line, "调拨（"):
			section = "transfers"
			continue
		}
		switch section {
		case "orders":
			if m := reTodoLine.FindStringSubmatch(line); m != nil {
				a.add(task{at: now, kind: "order", order: m[1], stage: m[2]})
			}
		case "tickets":
			if tk := reTicket.FindString(line); tk != "" {
				a.add(task{at: now, kind: "ticket", ticket: tk, ack: strings.Contains(line, "待接单")})
			}
		case "transfers":
			if m := reTransfer.FindStringSubmatch(line); m != nil {
				id, _ := strconv.Atoi(m[1])
				a.add(task{at: now, kind: "transfer", transfer: id, order: reOrder.FindString(line)})
			}
		}
	}
	if strings.Contains(reply, "…另有") {
		a.next = now // a long list: come back to it when these are done
	}
}

func (a *agent) work(ctx context.Context) bool {
	return a.w.clock.Sleep(ctx, between(a.r, a.p.Work))
}

func (a *agent) do(ctx context.Context, t task) {
	switch t.kind {
	case "order":
		a.workOrder(ctx, t)
	case "ticket":
		a.workTicket(ctx, t.ticket, t.ack)
	case "transfer":
		a.workTransfer(ctx, t)
	case "escalation":
		a.onEscalation(ctx, t)
	case "phone":
		a.takeCall(ctx, t)
	}
}

// workOrder does what the order's stage needs from its owner role.
func (a *agent) workOrder(ctx context.Context, t task) {
	if t.order == "" || !a.work(ctx) {
		return
	}
	w := a.w
	no := t.order
	var cmd string
	switch t.stage {
	case "待确认":
		w.mu.Lock()
		o := w.orders[no]
		w.mu.Unlock()
		placed := w.clock.Now()
		if o != nil {
			placed = o.placed
		}
		promise := promiseFor(placed)
		if o != nil {
			w.mu.Lock()
			o.promise = promise
			w.mu.Unlock()
		}
		cmd = fmt.Sprintf("推进 %s 交期=%s", no, promise.In(Origin.Location()).Format(time.RFC3339Nano))
		if w.opt.Promise == PromiseProposed {
			// What the confirmation shows orderhub proposing, taken.
			cmd = fmt.Sprintf("推进 %s 交期=建议", no)
		}
	case "已确认", "待质检":
		cmd = "推进 " + no
	case "配货中":
		if a.r.Float64() < 0.03 {
			// A box short on the shelf: reported, then picked anyway
			// from the overflow shelf.
			w.fire(ctx, a.p.UserID, fmt.Sprintf("异常 %s 货架上少了一盒，已从备货区补齐", no))
		}
		cmd = fmt.Sprintf("推进 %s 质检员=%s", no, a.inspector())
	case "待发货":
		if _, err := w.ask(ctx, a.p.UserID, "附件 "+no, func(s string) bool { return strings.Contains(s, no) }); err != nil {
			return
		}
		if err := w.e.SendPhoto(ctx, a.p.UserID, w.opt.Photo); err != nil {
			return
		}
		if _, err := w.waitFor(ctx, a.p.UserID, "运单照片已附到"); err != nil {
			return
		}
		cmd = fmt.Sprintf("发货 %s 顺丰 SF%010d", no, a.r.Int64N(1e10))
	default:
		return
	}
	w.fire(ctx, a.p.UserID, cmd)
}

// takeCall: customer service types a phone order into WeCom, reads the
// draft and confirms it.
func (a *agent) takeCall(ctx context.Context, t task) {
	w := a.w
	if !a.work(ctx) {
		return
	}
	draft, err := w.ask(ctx, a.p.UserID, t.what, func(s string) bool { return strings.Contains(s, "草稿") })
	if err != nil {
		return
	}
	if strings.Contains(draft, "不能下单") {
		atomic.AddInt64(&w.out.Refused, 1)
		return
	}
	reply, err := w.ask(ctx, a.p.UserID, "确认", func(s string) bool {
		return strings.HasPrefix(s, "已下单") || strings.Contains(s, "草稿 #") || strings.Contains(s, "没有下单")
	})
	if err != nil {
		return
	}
	if no := reOrder.FindString(reply); no != "" && strings.HasPrefix(reply, "已下单") {
		atomic.AddInt64(&w.out.ByPhone, 1)
		w.placedBy(no, t.customer)
		return
	}
	atomic.AddInt64(&w.out.Refused, 1)
}

// inspector is the QC person of the picker's warehouse.
func (a *agent) inspector() string {
	for _, p := range a.w.opt.Profile.Staff {
		if p.Has("qc") && p.Warehouse == a.p.Warehouse {
			return p.Name
		}
	}
	return a.p.Name
}

// How customer service sets the promised time (Options.Promise).
const (
	PromiseProposed = "proposed"
	PromiseRule     = "rule"
)

// promiseFor is customer service's rule: ordered before 15:00, delivered
// by 18:00 the next day; later, by 18:00 the day after.
func promiseFor(placed time.Time) time.Time {
	day := time.Date(placed.Year(), placed.Month(), placed.Day(), 0, 0, 0, 0, placed.Location())
	days := 1
	if placed.Sub(day) >= 15*time.Hour {
		days = 2
	}
	return day.AddDate(0, 0, days).Add(18 * time.Hour)
}

// waitFor waits for an answer to user containing s (the photo's answer
// comes after the image message, which has no text of its own).
func (w *world) waitFor(ctx context.Context, user, s string) (string, error) {
	giveUp := w.patience()
	defer giveUp.stop()
	var keep []Msg
	defer func() { w.putBack(user, keep) }()
	for {
		for _, m := range w.e.Take(user) {
			switch {
			case strings.Contains(m.Content, s):
				return m.Content, nil
			case isPush(m):
				keep = append(keep, m)
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
			w.noReply(s)
			return "", ErrNoReply
		case <-w.e.Wait(user):
		}
	}
}

// workTicket acknowledges (if asked) and resolves a ticket.
func (a *agent) workTicket(ctx context.Context, no string, ack bool) {
	w := a.w
	if no == "" {
		return
	}
	if ack {
		w.fire(ctx, a.p.UserID, "收到 "+no)
	}
	if !a.work(ctx) || !a.work(ctx) {
		return
	}
	w.fire(ctx, a.p.UserID, "处理 "+no+" 已联系客户并补发，明天送到")
}

// workTransfer: the keeper sends the goods over (work time), and confirms
// their arrival when the van has made the trip (40 to 100 minutes).
func (a *agent) workTransfer(ctx context.Context, t task) {
	if !a.work(ctx) {
		return
	}
	if !t.ack { // not yet on the van
		t.ack = true
		t.at = a.w.clock.Now().Add(40*time.Minute + time.Duration(a.r.Int64N(int64(60*time.Minute))))
		a.tasks = append(a.tasks, t)
		return
	}
	a.w.fire(ctx, a.p.UserID, fmt.Sprintf("调拨完成 %d", t.transfer))
}

// onEscalation: the lead acknowledges the push, then gets the work moving
// by handing it to someone of the owning role who is at work (the phone
// call the push prompts), or handles a ticket themselves.
func (a *agent) onEscalation(ctx context.Context, t task) {
	w := a.w
	// Reading the push and deciding takes a minute or two.
	if t.ack && !w.clock.Sleep(ctx, time.Minute+time.Duration(a.r.Int64N(int64(time.Minute)))) {
		return
	}
	w.mu.Lock()
	first := !w.redirects[t.ticket]
	w.redirects[t.ticket] = true
	w.mu.Unlock()
	if first {
		switch {
		case strings.HasPrefix(t.what, "订单 ") && t.order != "" && t.stage != "":
			if h := w.helper(w.owner[t.stage], t.holder, a.p); h != "" {
				w.handTo(h, task{kind: "order", order: t.order, stage: t.stage})
			}
		case strings.HasPrefix(t.what, "调拨单 "):
			if m := reTransfer.FindStringSubmatch(t.what); m != nil {
				id, _ := strconv.Atoi(m[1])
				if h := w.helper("keeper", t.holder, a.p); h != "" {
					w.handTo(h, task{kind: "transfer", transfer: id})
				}
			}
		case strings.HasPrefix(t.what, "工单 "):
			if tk := reTicket.FindString(t.what); tk != "" {
				a.workTicket(ctx, tk, true) // a ticket's own ladder: the ticket itself
				return
			}
		}
	}
	w.fire(ctx, a.p.UserID, "收到 "+t.ticket)
}

// helper finds someone at work now holding role, from the holder's
// warehouse if possible, other than the holder.
func (w *world) helper(role, holder string, lead *Person) string {
	now := w.clock.Now()
	wh := lead.Warehouse
	if p := w.names[holder]; p != nil {
		wh = p.Warehouse
	}
	var same, other []string
	for _, p := range w.opt.Profile.Staff {
		if !p.Has(role) || p.Name == holder {
			continue
		}
		if ok, _ := p.Present(now); !ok {
			continue
		}
		if p.Warehouse == wh {
			same = append(same, p.UserID)
		} else {
			other = append(other, p.UserID)
		}
	}
	if len(same) > 0 {
		return same[0]
	}
	if len(other) > 0 && role == "customer_service" {
		return other[0]
	}
	return ""
}

// handTo gives a person a task, as a phone call would; it reaches them as
// a message does, through their loop.
func (w *world) handTo(user string, t task) {
	atomic.AddInt64(&w.out.Redirects, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.handed == nil {
		w.handed = map[string][]task{}
	}
	w.handed[user] = append(w.handed[user], t)
	b := w.e.box(user)
	select {
	case b.wake <- struct{}{}:
	default:
	}
}
