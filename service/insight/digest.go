package insight

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/kernel"
)

// Digest is the supervisors' morning message: yesterday's on-time rate
// against the day before, what is overdue now, open tickets by age, orders
// waiting for review, and the board's link. It goes out once a day at the
// configured local time through the outbox. Every instance runs the
// check; the outbox row's unique key ("digest:<day>") lets exactly one of
// them queue it.
type Digest struct {
	db       *gorm.DB
	measures *Measures
	pipe     *service.Pipeline
	clock    kernel.Clock
	loc      *time.Location
	at       int // minutes after local midnight
	roles    []string
	boardURL string
	log      *slog.Logger
}

// NewDigest returns a Digest sent at at ("08:30", local) to active staff
// holding one of roles; boardURL is linked at its end.
func NewDigest(db *gorm.DB, measures *Measures, pipe *service.Pipeline, clock kernel.Clock, loc *time.Location, at string, roles []string, boardURL string, log *slog.Logger) (*Digest, error) {
	if db == nil || measures == nil || pipe == nil || clock == nil || loc == nil || log == nil {
		panic("insight: NewDigest: nil dependency")
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return nil, kernel.Invalid("digest_at", kernel.CodeInvalidDate, "%q 不是时刻，应写成 08:30", at)
	}
	return &Digest{db: db, measures: measures, pipe: pipe, clock: clock, loc: loc, at: t.Hour()*60 + t.Minute(), roles: roles, boardURL: boardURL, log: log}, nil
}

// DigestKey is the outbox key of day's digest: one per day, whichever
// instance gets there first.
func DigestKey(day string) string { return "digest:" + day }

// Due queues today's digest if its time has come and no instance has
// queued it yet; it reports whether this call queued it.
func (d *Digest) Due(ctx context.Context) (bool, error) {
	now := d.clock().In(d.loc)
	if now.Hour()*60+now.Minute() < d.at {
		return false, nil
	}
	day := now.Format(time.DateOnly)
	db := d.db.WithContext(ctx)
	var n int64
	if err := db.Model(&model.Outbox{}).Where("`key` = ?", DigestKey(day)).Count(&n).Error; err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	var to []string
	for _, role := range d.roles {
		var staff []model.Staff
		if err := db.Where("active = ? AND roles LIKE ?", true, kernel.RoleLike(role)).Order("id").Find(&staff).Error; err != nil {
			return false, err
		}
		for _, s := range staff {
			if !contains(to, s.UserID) {
				to = append(to, s.UserID)
			}
		}
	}
	if len(to) == 0 {
		return false, nil
	}
	report, err := d.Report(ctx)
	if err != nil {
		return false, err
	}
	// One row per day: the unique key turns a second instance's insert
	// into nothing (rows affected 0), so exactly one of them queues it.
	now2 := d.clock()
	key := DigestKey(day)
	row, err := kernel.EnqueueOne(db, now2, 0, kernel.Message{To: to, Type: service.MsgTypeDailyDigest, Body: report, Key: key})
	if err != nil {
		return false, err
	}
	return row.ID != 0, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Report is the digest as of now: the figures, which the bot words
// (bot.Render).
func (d *Digest) Report(ctx context.Context) (service.DailyDigest, error) {
	now := d.clock().In(d.loc)
	yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)
	before := now.AddDate(0, 0, -2).Format(time.DateOnly)
	ot, err := d.measures.OnTime(ctx, MetricFilter{From: before, To: yesterday})
	if err != nil {
		return service.DailyDigest{}, err
	}
	day := func(o OnTimeDay) service.DigestDay {
		return service.DigestDay{Delivered: o.Delivered, OnTime: o.OnTime, Early: o.Early, Late: o.Late, Rate: o.Rate, OTIFRate: o.OTIFRate}
	}
	r := service.DailyDigest{Day: now.Format(time.DateOnly), Before: day(ot.Days[0]), Yesterday: day(ot.Days[1]), BoardURL: d.boardURL}

	db := d.db.WithContext(ctx)
	var open []string
	last1 := d.pipe.Last().Key
	for _, s := range d.pipe.Stages() {
		if s.Key != last1 {
			open = append(open, s.Key)
		}
	}
	var overdue []struct {
		Stage string
		N     int
	}
	if err := db.Model(&model.Order{}).Select("stage, COUNT(*) AS n").Where("stage IN ? AND stage_due_at < ?", open, d.clock()).
		Group("stage").Scan(&overdue).Error; err != nil {
		return service.DailyDigest{}, err
	}
	for _, key := range open {
		for _, o := range overdue {
			if o.Stage == key && o.N > 0 {
				r.Overdue = append(r.Overdue, service.StageNum{Stage: key, Name: d.pipe.Name(key), N: o.N})
			}
		}
	}

	var tickets []model.Ticket
	if err := db.Select("id, created_at").Where("state IN ?", []string{model.TicketOpen, model.TicketAcknowledged}).Find(&tickets).Error; err != nil {
		return service.DailyDigest{}, err
	}
	for _, t := range tickets {
		switch age := d.clock().Sub(t.CreatedAt); {
		case age < time.Hour:
			r.Tickets[0]++
		case age < 4*time.Hour:
			r.Tickets[1]++
		case age < 24*time.Hour:
			r.Tickets[2]++
		default:
			r.Tickets[3]++
		}
	}
	if err := db.Model(&model.Intake{}).Where("state = ?", model.IntakeReview).Count(&r.Review).Error; err != nil {
		return service.DailyDigest{}, err
	}
	return r, nil
}

// Run checks every minute whether the digest is due, until ctx ends.
func (d *Digest) Run(ctx context.Context, poke func()) {
	kernel.EveryTick(ctx, time.Minute, d.log, "daily digest", func() {
		if queued, err := d.Due(ctx); err != nil {
			if ctx.Err() == nil {
				d.log.ErrorContext(ctx, "daily digest", "err", err)
			}
		} else if queued {
			d.log.InfoContext(ctx, "daily digest queued")
			poke()
		}
	})
}
