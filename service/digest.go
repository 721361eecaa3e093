package service

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
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
	pipe     *Pipeline
	clock    Clock
	loc      *time.Location
	at       int // minutes after local midnight
	roles    []string
	boardURL string
	log      *slog.Logger
}

// NewDigest returns a Digest sent at at ("08:30", local) to active staff
// holding one of roles; boardURL is linked at its end.
func NewDigest(db *gorm.DB, measures *Measures, pipe *Pipeline, clock Clock, loc *time.Location, at string, roles []string, boardURL string, log *slog.Logger) (*Digest, error) {
	if db == nil || measures == nil || pipe == nil || clock == nil || loc == nil || log == nil {
		panic("service: NewDigest: nil dependency")
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return nil, invalid("digest_at", CodeInvalidDate, "%q is not a local time like 08:30", at)
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
		if err := db.Where("active = ? AND roles LIKE ?", true, roleLike(role)).Order("id").Find(&staff).Error; err != nil {
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
	text, err := d.Text(ctx)
	if err != nil {
		return false, err
	}
	// One row per day: the unique key turns a second instance's insert
	// into nothing (rows affected 0), so exactly one of them queues it.
	now2 := d.clock()
	key := DigestKey(day)
	row, err := enqueueOne(db, now2, 0, Message{To: to, Type: "markdown", Body: map[string]string{"content": text}, Key: key})
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

// Text is the digest as of now, in WeCom markdown.
func (d *Digest) Text(ctx context.Context) (string, error) {
	now := d.clock().In(d.loc)
	yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)
	before := now.AddDate(0, 0, -2).Format(time.DateOnly)
	ot, err := d.measures.OnTime(ctx, MetricFilter{From: before, To: yesterday})
	if err != nil {
		return "", err
	}
	prev, last := ot.Days[0], ot.Days[1]
	var b strings.Builder
	fmt.Fprintf(&b, "**订单日报 %s**\n", now.Format("01月02日"))
	fmt.Fprintf(&b, "> 昨日准时率 <font color=\"info\">%.1f%%</font>（签收 %d，准时 %d，早到 %d，晚到 %d）", last.Rate*100, last.Delivered, last.OnTime, last.Early, last.Late)
	switch diff := (last.Rate - prev.Rate) * 100; {
	case prev.Delivered == 0:
		b.WriteString("\n")
	case diff >= 0:
		fmt.Fprintf(&b, "，比前天 %.1f%% 高 %.1f 个百分点\n", prev.Rate*100, diff)
	default:
		fmt.Fprintf(&b, "，比前天 %.1f%% <font color=\"warning\">低 %.1f 个百分点</font>\n", prev.Rate*100, -diff)
	}
	fmt.Fprintf(&b, "> 准时且齐全（OTIF）%.1f%%；准时 = 承诺时间 ±2 小时内签收\n", last.OTIFRate*100)

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
		return "", err
	}
	total := 0
	var parts []string
	for _, key := range open {
		for _, o := range overdue {
			if o.Stage == key && o.N > 0 {
				total += o.N
				parts = append(parts, fmt.Sprintf("%s %d", d.pipe.Name(key), o.N))
			}
		}
	}
	if total == 0 {
		b.WriteString("> 超时订单：无\n")
	} else {
		fmt.Fprintf(&b, "> 超时订单 <font color=\"warning\">%d</font>：%s\n", total, strings.Join(parts, "，"))
	}

	var tickets []model.Ticket
	if err := db.Select("id, created_at").Where("state IN ?", []string{model.TicketOpen, model.TicketAcknowledged}).Find(&tickets).Error; err != nil {
		return "", err
	}
	ages := [4]int{}
	for _, t := range tickets {
		switch age := d.clock().Sub(t.CreatedAt); {
		case age < time.Hour:
			ages[0]++
		case age < 4*time.Hour:
			ages[1]++
		case age < 24*time.Hour:
			ages[2]++
		default:
			ages[3]++
		}
	}
	fmt.Fprintf(&b, "> 未处理异常 %d：1 小时内 %d，1–4 小时 %d，4–24 小时 %d，超过 1 天 %d\n", len(tickets), ages[0], ages[1], ages[2], ages[3])
	var review int64
	if err := db.Model(&model.Intake{}).Where("state = ?", model.IntakeReview).Count(&review).Error; err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "> 待复核订单 %d\n", review)
	if d.boardURL != "" {
		fmt.Fprintf(&b, "[打开作战室看板](%s)", d.boardURL)
	}
	return b.String(), nil
}

// Run checks every minute whether the digest is due, until ctx ends.
func (d *Digest) Run(ctx context.Context, poke func()) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if queued, err := d.Due(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			d.log.ErrorContext(ctx, "daily digest", "err", err)
		} else if queued {
			d.log.InfoContext(ctx, "daily digest queued")
			poke()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
