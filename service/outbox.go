package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/model"
)

// OutboxOptions tunes the dispatcher.
type OutboxOptions struct {
	Poll        time.Duration // how often due rows are looked for when idle
	BackoffBase time.Duration // first retry delay; doubled per attempt
	BackoffMax  time.Duration // longest retry delay
	MaxAttempts int           // then the row is marked failed
	// Lease is how long a claimed row is held before another dispatcher
	// may take it. It must outlive the work it covers: more than twice
	// SendTimeout, so that a send and the write of its outcome end well
	// inside it.
	Lease time.Duration
	// SendTimeout bounds one send (default 15s): a receiver slower than
	// that is a failed attempt, retried later.
	SendTimeout time.Duration
	Batch       int // at most this many rows per DispatchOnce (tests and tools)
	Workers     int // sends in flight at once, per lane
}

// The lanes of the dispatcher: the rows of each are claimed and sent by
// their own workers, so that a slow destination of one kind (a partner's
// webhook answering in 9 s) never delays another (the reply to a keeper's
// command). The last lane takes every channel the others do not name.
var outboxLanes = []string{ChannelOutboxWeCom, ChannelOutboxWebhook, ""}

// Outbox sends what transactions queued: it claims due rows, sends them,
// and records the outcome, retrying failures with exponential backoff.
// Several instances may run it at once: a row is claimed by a conditional
// UPDATE, which one dispatcher wins.
//
// Each row is claimed on its own, just before it is sent, for a lease that
// outlives its bounded send; its outcome is recorded only while the claim
// is still the row's. A row is therefore sent at most once per claim, and
// never by a second instance while the first is still inside its lease.
type Outbox struct {
	db     *gorm.DB
	sender Sender
	clock  Clock
	log    *slog.Logger
	opts   OutboxOptions
	wake   []chan struct{} // one per lane

	rows    *prometheus.GaugeVec
	sent    prometheus.Counter
	retries prometheus.Counter
}

// NewOutbox returns an Outbox dispatcher and registers its metrics.
func NewOutbox(db *gorm.DB, sender Sender, clock Clock, log *slog.Logger, reg prometheus.Registerer, opts OutboxOptions) *Outbox {
	if db == nil || sender == nil || clock == nil || log == nil || reg == nil {
		panic("service: NewOutbox: nil dependency")
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 15 * time.Second
	}
	if opts.Poll <= 0 || opts.BackoffBase <= 0 || opts.BackoffMax < opts.BackoffBase || opts.MaxAttempts < 1 || opts.Lease <= 2*opts.SendTimeout {
		panic("service: NewOutbox: bad options")
	}
	if opts.Batch <= 0 {
		opts.Batch = 32
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	o := &Outbox{db: db, sender: sender, clock: clock, log: log, opts: opts,
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
	for range outboxLanes {
		o.wake = append(o.wake, make(chan struct{}, 1))
	}
	reg.MustRegister(o.rows, o.sent, o.retries)
	return o
}

// Poke wakes the dispatcher, so that a reply queued now is sent now
// rather than at the next poll.
func (o *Outbox) Poke() {
	for _, w := range o.wake {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Run dispatches until ctx is cancelled, each lane on its own. Cancelling
// stops claiming; sends already claimed are finished (each bounded by
// SendTimeout) before Run returns.
func (o *Outbox) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range outboxLanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.runLane(ctx, i, false); err != nil {
				o.log.ErrorContext(ctx, "outbox: dispatch", "lane", outboxLanes[i], "err", err)
			}
		}()
	}
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if err := o.RefreshGauge(ctx); err != nil && ctx.Err() == nil {
			o.log.WarnContext(ctx, "outbox: gauge", "err", err)
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-t.C:
		}
	}
}

// DispatchOnce sends the rows due now, up to Batch, every lane at once,
// and returns when each outcome is recorded. It returns how many rows it
// claimed.
func (o *Outbox) DispatchOnce(ctx context.Context) (_ int, err error) {
	defer wrapOp(&err, "Outbox.DispatchOnce")
	var wg sync.WaitGroup
	ns := make([]int, len(outboxLanes))
	errs := make([]error, len(outboxLanes))
	for i := range outboxLanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns[i], errs[i] = o.runLane(ctx, i, true)
		}()
	}
	wg.Wait()
	n := 0
	for _, k := range ns {
		n += k
	}
	return n, errors.Join(errs...)
}

// runLane claims the lane's due rows one at a time while a worker is
// free and sends each on its own goroutine. No destination takes every
// worker of a lane (at most Workers-1 of them when there are two or
// more), so one slow partner leaves room for the others. once: stop when
// nothing is due (or Batch rows were claimed) and the sends have ended;
// else run until ctx is cancelled, then let the sends end.
func (o *Outbox) runLane(ctx context.Context, lane int, once bool) (int, error) {
	perDest := max(1, o.opts.Workers-1)
	var (
		mu       sync.Mutex
		inFlight = map[string]int{}
		errs     []error
		wg       sync.WaitGroup
	)
	free := make(chan struct{}, o.opts.Workers) // a send ended
	slots := make(chan struct{}, o.opts.Workers)
	claimed := 0
	defer wg.Wait()
	for {
		if ctx.Err() != nil {
			return claimed, nil
		}
		if once && claimed >= o.opts.Batch {
			wg.Wait()
			return claimed, errors.Join(errs...)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return claimed, nil
		}
		mu.Lock()
		var busy []string
		for d, n := range inFlight {
			if n >= perDest {
				busy = append(busy, d)
			}
		}
		mu.Unlock()
		r, claim, err := o.claimOne(context.WithoutCancel(ctx), outboxLanes[lane], busy)
		if err != nil || r.ID == 0 {
			<-slots
			if err != nil {
				if once {
					wg.Wait()
					return claimed, err
				}
				o.log.ErrorContext(ctx, "outbox: claim", "lane", outboxLanes[lane], "err", err)
			}
			if once {
				if len(busy) == 0 {
					wg.Wait()
					return claimed, errors.Join(errs...)
				}
				<-free // a destination at its cap may have more rows due
				continue
			}
			t := time.NewTimer(o.opts.Poll)
			select {
			case <-ctx.Done():
				t.Stop()
				return claimed, nil
			case <-o.wake[lane]:
			case <-free:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		claimed++
		mu.Lock()
		inFlight[r.ToUser]++
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := o.sendOne(context.WithoutCancel(ctx), r, claim)
			mu.Lock()
			if inFlight[r.ToUser]--; inFlight[r.ToUser] == 0 {
				delete(inFlight, r.ToUser)
			}
			if err != nil {
				if once {
					errs = append(errs, err)
				} else {
					o.log.ErrorContext(ctx, "outbox: record outcome", "id", r.ID, "err", err)
				}
			}
			mu.Unlock()
			<-slots
			select {
			case free <- struct{}{}:
			default:
			}
		}()
	}
}

// claimOne takes the lane's first due row, skipping the destinations in
// busy, and holds it for Lease by moving its due time on and stamping it
// with a fresh claim token. A row with ID 0 means none is due.
//
// The claim is optimistic: candidates are read without a lock, and one is
// taken by an UPDATE conditional on the row being as read, whose
// affected-row count says who won. A locking read (FOR UPDATE SKIP LOCKED)
// would make lanes skip each other's rows: InnoDB locks every index
// record a scan passes, not only the lane's.
func (o *Outbox) claimOne(ctx context.Context, lane string, busy []string) (model.Outbox, string, error) {
	claim := randomToken()[:24]
	for {
		now := o.clock()
		q := o.db.WithContext(ctx).Where("state = ? AND next_at <= ?", model.OutboxPending, now)
		if lane == "" {
			var named []string
			for _, l := range outboxLanes {
				if l != "" {
					named = append(named, l)
				}
			}
			q = q.Where("channel NOT IN ?", named)
		} else {
			q = q.Where("channel = ?", lane)
		}
		if len(busy) > 0 {
			q = q.Where("to_user NOT IN ?", busy)
		}
		var rows []model.Outbox
		if err := q.Order("next_at, id").Limit(4).Find(&rows).Error; err != nil {
			return model.Outbox{}, "", err
		}
		if len(rows) == 0 {
			return model.Outbox{}, "", nil
		}
		for _, r := range rows {
			res := model.Row(o.db.WithContext(ctx), &model.Outbox{}).
				Where("id = ? AND state = ? AND claim = ? AND attempts = ? AND next_at <= ?", r.ID, model.OutboxPending, r.Claim, r.Attempts, now).
				Updates(map[string]any{"claim": claim, "next_at": now.Add(o.opts.Lease), "updated_at": now})
			if res.Error != nil {
				return model.Outbox{}, "", res.Error
			}
			if res.RowsAffected == 1 {
				return r, claim, nil
			}
		}
		// Another dispatcher took every candidate first: read again.
		if err := ctx.Err(); err != nil {
			return model.Outbox{}, "", err
		}
	}
}

func (o *Outbox) sendOne(ctx context.Context, r model.Outbox, claim string) error {
	sctx, cancel := context.WithTimeout(ctx, o.opts.SendTimeout)
	var receipt Receipt
	err := o.send(sctx, Outgoing{ID: r.ID, ToUser: r.ToUser, MsgType: r.MsgType, Body: json.RawMessage(r.Body), Receipt: &receipt})
	cancel()
	now := o.clock()
	// The outcome is written only while the claim is still ours: a
	// dispatcher whose lease ran out records nothing over another's.
	q := model.Row(o.db.WithContext(ctx), &model.Outbox{}).Where("id = ? AND claim = ?", r.ID, claim)
	var res *gorm.DB
	if err == nil {
		o.sent.Inc()
		res = q.Updates(map[string]any{"state": model.OutboxSent, "sent_at": now, "attempts": r.Attempts + 1,
			"claim": "", "last_error": "", "response_code": trunc(receipt.ResponseCode, 128), "updated_at": now})
	} else {
		o.retries.Inc()
		attempts := r.Attempts + 1
		var undeliverable *UndeliverableError
		state := model.OutboxPending
		if errors.As(err, &undeliverable) || attempts >= o.opts.MaxAttempts {
			state = model.OutboxFailed
		}
		to := r.ToUser
		if r.Channel == ChannelOutboxSMS {
			to = MaskPhone(to) // a buyer's number is never logged in clear
		}
		o.log.WarnContext(ctx, "outbox: send failed", "id", r.ID, "to", to, "attempts", attempts, "state", state, "err", err)
		res = q.Updates(map[string]any{"state": state, "attempts": attempts, "next_at": now.Add(o.backoff(attempts)),
			"last_error": trunc(err.Error(), 500), "claim": "", "updated_at": now})
	}
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		o.log.WarnContext(ctx, "outbox: lease lost before the outcome was recorded", "id", r.ID, "sent", err == nil)
	}
	return nil
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
		return nil, invalid("state", CodeInvalidState, "state 须为 pending、sent 或 failed")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []model.Outbox
	err = o.db.WithContext(ctx).Where("state = ?", state).Order("id DESC").Limit(limit).Find(&rows).Error
	return rows, err
}
