package config

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// WorkTime is when the business works: the stage clocks (SLAs and the
// escalation ladders), the board's colours, the buyer's ETA and the
// promise orderhub proposes count only these hours (service/worktime).
type WorkTime struct {
	// Shifts is the company's working day in local time, one or more
	// windows: "08:00-12:00,13:00-18:00"; "00:00-24:00" is all day.
	Shifts string `yaml:"shifts" env:"SHIFTS"`
	// Weekdays are the working days, 1 Monday … 7 Sunday.
	Weekdays []int `yaml:"weekdays" env:"WEEKDAYS" envSeparator:","`
	// Holidays follows China's statutory holidays and their 调休 make-up
	// workdays (from github.com/6tail/lunar-go) over Weekdays, for the
	// years its data covers; later years count Weekdays alone.
	Holidays bool `yaml:"holidays" env:"HOLIDAYS"`
	// Warehouses overrides the shifts and weekdays of one warehouse, by
	// its code (SH: {shifts: "07:30-21:00"}); a field left empty keeps the
	// company's.
	Warehouses map[string]WarehouseHours `yaml:"warehouses" env:"-"`
}

// WarehouseHours is one warehouse's working time.
type WarehouseHours struct {
	Shifts   string `yaml:"shifts"`
	Weekdays []int  `yaml:"weekdays"`
}

// DefaultWorkTime is the business's day: 08:00-20:00, Monday to Saturday,
// with the statutory holidays off and their make-up days on.
func DefaultWorkTime() WorkTime {
	return WorkTime{Shifts: "08:00-20:00", Weekdays: []int{1, 2, 3, 4, 5, 6}, Holidays: true}
}

// AllDay is a WorkTime that never stops: every hour of every day.
func AllDay() WorkTime {
	return WorkTime{Shifts: "00:00-24:00", Weekdays: []int{1, 2, 3, 4, 5, 6, 7}}
}

// Span is one shift: seconds after local midnight, From < To ≤ 86400.
type Span struct{ From, To int }

// ParseShifts reads "08:00-12:00,13:00-18:00": windows within one day, in
// order, not overlapping; "24:00" ends the day.
func ParseShifts(s string) ([]Span, error) {
	bad := fmt.Errorf("%q is not shifts like 08:00-12:00,13:00-18:00", s)
	clock := func(v string) (int, bool) {
		v = strings.TrimSpace(v)
		if v == "24:00" {
			return 86400, true
		}
		t, err := time.Parse("15:04", v)
		if err != nil {
			return 0, false
		}
		return t.Hour()*3600 + t.Minute()*60, true
	}
	var out []Span
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			return nil, bad
		}
		from, ok1 := clock(a)
		to, ok2 := clock(b)
		if !ok1 || !ok2 || from >= to {
			return nil, bad
		}
		if len(out) > 0 && from < out[len(out)-1].To {
			return nil, fmt.Errorf("%q: shifts must be in order and must not overlap", s)
		}
		out = append(out, Span{from, to})
	}
	return out, nil
}

func (c *Config) validateWorkTime() error {
	w := c.WorkTime
	if _, err := ParseShifts(w.Shifts); err != nil {
		return fmt.Errorf("config: work_time.shifts (ORDERHUB_WORK_TIME_SHIFTS): %v", err)
	}
	days := func(key string, ds []int) error {
		for _, d := range ds {
			if d < 1 || d > 7 {
				return fmt.Errorf("config: %s: %d is not a weekday 1 (Monday) … 7 (Sunday)", key, d)
			}
		}
		return nil
	}
	if len(w.Weekdays) == 0 {
		return fmt.Errorf("config: work_time.weekdays (ORDERHUB_WORK_TIME_WEEKDAYS): must name at least one weekday, 1 (Monday) … 7 (Sunday)")
	}
	if err := days("work_time.weekdays (ORDERHUB_WORK_TIME_WEEKDAYS)", w.Weekdays); err != nil {
		return err
	}
	codes := make([]string, 0, len(w.Warehouses))
	for code := range w.Warehouses {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		h := w.Warehouses[code]
		if h.Shifts != "" {
			if _, err := ParseShifts(h.Shifts); err != nil {
				return fmt.Errorf("config: work_time.warehouses.%s.shifts: %v", code, err)
			}
		}
		if err := days("work_time.warehouses."+code+".weekdays", h.Weekdays); err != nil {
			return err
		}
	}
	return nil
}

// Promise tunes the promised time orderhub proposes when an order is
// confirmed (service/promise.go): measured dwell and transit over a recent
// window, at a percentile, with a transit table for places the history
// has too few deliveries to.
type Promise struct {
	// Window is how far back the measured history reaches.
	Window Duration `yaml:"window" env:"WINDOW"`
	// Percentile of the measured stays and transits (0.5 … 0.99): an
	// order delivered early counts as not on time, so not padded to the
	// worst case.
	Percentile float64 `yaml:"percentile" env:"PERCENTILE"`
	// TransitDefault is the carrier's time to a place not in Transit.
	TransitDefault Duration `yaml:"transit_default" env:"TRANSIT_DEFAULT"`
	// Transit is the carrier's time by destination (a province or city,
	// matched in the address or the customer's region).
	Transit map[string]Duration `yaml:"transit" env:"-"`
	// Refresh is how long the measured history is reused before it is
	// read again (0: read for every proposal).
	Refresh Duration `yaml:"refresh" env:"REFRESH"`
	// Slot is the delivery slot a promise books with the carrier (or the
	// company's own truck): the Slot before the promised time, within the
	// company's working hours. A parcel that would arrive early waits for
	// its slot; the carrier's 签收 push records when it came.
	Slot Duration `yaml:"slot" env:"SLOT"`
}

// DefaultPromise: two weeks of history at the 80th percentile; transit by
// road from the East China warehouses.
func DefaultPromise() Promise {
	h := func(n int) Duration { return Duration(time.Duration(n) * time.Hour) }
	return Promise{Window: h(14 * 24), Percentile: 0.5, TransitDefault: h(48), Refresh: Duration(10 * time.Minute), Slot: h(2),
		Transit: map[string]Duration{"上海": h(12), "江苏": h(18), "浙江": h(18), "苏州": h(16), "杭州": h(16), "无锡": h(18), "南京": h(20), "宁波": h(20),
			"安徽": h(24), "北京": h(36), "广东": h(36), "山东": h(30)}}
}

// TransitFor is the table's transit to region, else the default.
func (p Promise) TransitFor(region string) time.Duration {
	if d, ok := p.Transit[region]; ok {
		return d.D()
	}
	return p.TransitDefault.D()
}

func (c *Config) validatePromise() error {
	p := c.Promise
	switch {
	case p.Window.D() < 24*time.Hour:
		return fmt.Errorf("config: promise.window (ORDERHUB_PROMISE_WINDOW): must be at least 24h")
	case p.Percentile < 0.5 || p.Percentile > 0.99:
		return fmt.Errorf("config: promise.percentile (ORDERHUB_PROMISE_PERCENTILE): must be between 0.5 and 0.99")
	case p.TransitDefault.D() <= 0:
		return fmt.Errorf("config: promise.transit_default (ORDERHUB_PROMISE_TRANSIT_DEFAULT): must be > 0")
	case p.Refresh.D() < 0:
		return fmt.Errorf("config: promise.refresh (ORDERHUB_PROMISE_REFRESH): must be >= 0")
	case p.Slot.D() <= 0 || p.Slot.D() > 12*time.Hour:
		return fmt.Errorf("config: promise.slot (ORDERHUB_PROMISE_SLOT): must be > 0 and at most 12h")
	}
	for k, d := range p.Transit {
		if d.D() <= 0 {
			return fmt.Errorf("config: promise.transit.%s: must be > 0", k)
		}
	}
	return nil
}
