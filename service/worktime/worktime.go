// Package worktime is the business's working-time calendar: the shifts of
// each warehouse, its working weekdays, and China's statutory holidays
// with their 调休 make-up workdays. Every clock that measures people's
// work (stage SLAs, escalation ladders, the board's colours, ETAs and
// promises) adds and measures durations with it, so a stage entered at
// 21:50 with a two-hour SLA runs out at 09:50 the next working morning,
// not at 23:50. Times are read in the configured zone; nothing here
// assumes +8.
package worktime

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"orderhub/config"
)

// schedule is one warehouse's (or the company's) working week.
type schedule struct {
	shifts []config.Span
	days   [7]bool // by time.Weekday
	allDay bool    // one shift 00:00-24:00 on every day
}

// Calendar answers working-time questions per warehouse code; an unknown
// or empty code is the company's calendar. It is safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	company  schedule
	byCode   map[string]schedule
	holidays bool

	mu    sync.Mutex
	years map[int]map[int]bool // year → yyyymmdd → works (holiday false, make-up true)
}

// New builds the calendar of validated config w in zone loc.
func New(w config.WorkTime, loc *time.Location) *Calendar {
	if loc == nil {
		panic("worktime: New: nil location")
	}
	build := func(shifts string, days []int) schedule {
		spans, _ := config.ParseShifts(shifts)
		var s schedule
		s.shifts = spans
		for _, d := range days {
			s.days[d%7] = true // 7 (Sunday) is time.Sunday (0)
		}
		s.allDay = len(spans) == 1 && spans[0] == config.Span{From: 0, To: 86400}
		for _, on := range s.days {
			s.allDay = s.allDay && on
		}
		return s
	}
	c := &Calendar{loc: loc, company: build(w.Shifts, w.Weekdays), byCode: map[string]schedule{}, holidays: w.Holidays,
		years: map[int]map[int]bool{}}
	for code, h := range w.Warehouses {
		shifts, days := h.Shifts, h.Weekdays
		if shifts == "" {
			shifts = w.Shifts
		}
		if len(days) == 0 {
			days = w.Weekdays
		}
		c.byCode[code] = build(shifts, days)
	}
	return c
}

// Location is the zone the calendar reads local days in.
func (c *Calendar) Location() *time.Location { return c.loc }

// Covers reports whether the holiday data covers year: false means that
// year counts the configured weekdays alone (no statutory holidays, no
// make-up days), and always false with holidays off.
func (c *Calendar) Covers(year int) bool {
	return c.holidays && len(c.year(year)) > 0
}

func (c *Calendar) sched(wh string) schedule {
	if s, ok := c.byCode[wh]; ok {
		return s
	}
	return c.company
}

// year is the statutory calendar of one year: yyyymmdd → whether that day
// is worked (a make-up day) or not (a holiday); empty past the data.
func (c *Calendar) year(y int) map[int]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.years[y]; ok {
		return m
	}
	m := map[int]bool{}
	l := HolidayUtil.GetHolidaysByYear(y)
	for e := l.Front(); e != nil; e = e.Next() {
		h, ok := e.Value.(*HolidayUtil.Holiday)
		if !ok {
			continue
		}
		d, err := time.Parse("2006-01-02", h.GetDay())
		if err != nil {
			continue
		}
		m[d.Year()*10000+int(d.Month())*100+d.Day()] = h.IsWork()
	}
	c.years[y] = m
	return m
}

// workday says whether local day (y, m, d) is worked under s.
func (c *Calendar) workday(s schedule, y int, m time.Month, d int) bool {
	if c.holidays {
		if works, ok := c.year(y)[y*10000+int(m)*100+d]; ok {
			return works
		}
	}
	return s.days[time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()]
}

// windows calls f with each working window of the local day that starts
// at day (local midnight), in order, until f returns false.
func (c *Calendar) windows(s schedule, day time.Time, f func(from, to time.Time) bool) bool {
	y, m, d := day.Date()
	if !c.workday(s, y, m, d) {
		return true
	}
	for _, sp := range s.shifts {
		from := time.Date(y, m, d, 0, 0, sp.From, 0, c.loc)
		to := time.Date(y, m, d, 0, 0, sp.To, 0, c.loc)
		if !f(from, to) {
			return false
		}
	}
	return true
}

// midnight is the local midnight starting t's day.
func (c *Calendar) midnight(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// searchDays bounds a walk over the calendar: a configuration with no
// working day at all (impossible once validated) ends there.
const searchDays = 800

// Add returns the instant d of working time after start at warehouse wh:
// time outside its shifts, on its days off and on statutory holidays does
// not count. Add(wh, t, 0) is t.
func (c *Calendar) Add(wh string, start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	return c.add(wh, start, d)
}

func (c *Calendar) add(wh string, start time.Time, d time.Duration) time.Time {
	s := c.sched(wh)
	if s.allDay && !c.holidays {
		return start.Add(d)
	}
	var out time.Time
	day := c.midnight(start)
	for i := 0; i < searchDays && out.IsZero(); i++ {
		c.windows(s, day, func(from, to time.Time) bool {
			if !to.After(start) {
				return true
			}
			if from.Before(start) {
				from = start
			}
			avail := to.Sub(from)
			if d <= avail {
				out = from.Add(d)
				return false
			}
			d -= avail
			return true
		})
		day = day.AddDate(0, 0, 1)
	}
	if out.IsZero() {
		return start.Add(d)
	}
	return out.In(start.Location())
}

// Between is the working time at warehouse wh from a to b (0 when b is not
// after a).
func (c *Calendar) Between(wh string, a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	return c.between(wh, a, b)
}

func (c *Calendar) between(wh string, a, b time.Time) time.Duration {
	s := c.sched(wh)
	if s.allDay && !c.holidays {
		return b.Sub(a)
	}
	var sum time.Duration
	for day := c.midnight(a); day.Before(b); day = day.AddDate(0, 0, 1) {
		c.windows(s, day, func(from, to time.Time) bool {
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				sum += to.Sub(from)
			}
			return true
		})
	}
	return sum
}

// Open says whether warehouse wh is working at t.
func (c *Calendar) Open(wh string, t time.Time) bool {
	open := false
	c.windows(c.sched(wh), c.midnight(t), func(from, to time.Time) bool {
		open = !t.Before(from) && t.Before(to)
		return !open
	})
	return open
}

// NextOpen is the first instant at or after t when warehouse wh works.
func (c *Calendar) NextOpen(wh string, t time.Time) time.Time {
	return c.nextOpen(wh, t)
}

func (c *Calendar) nextOpen(wh string, t time.Time) time.Time {
	s := c.sched(wh)
	var out time.Time
	day := c.midnight(t)
	for i := 0; i < searchDays && out.IsZero(); i++ {
		c.windows(s, day, func(from, to time.Time) bool {
			if to.After(t) {
				out = from
				if from.Before(t) {
					out = t
				}
				return false
			}
			return true
		})
		day = day.AddDate(0, 0, 1)
	}
	if out.IsZero() {
		return t
	}
	return out.In(t.Location())
}
