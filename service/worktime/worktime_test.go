package worktime_test

import (
	"testing"
	"time"

	"orderhub/config"
	"orderhub/service/worktime"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a local Shanghai time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func cal(t *testing.T, w config.WorkTime) *worktime.Calendar {
	t.Helper()
	c := config.Default()
	c.WorkTime = w
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return worktime.New(c.WorkTime, c.Location())
}

// business is the company's default day plus a warehouse with its own
// split shift that works Sundays too.
func business() config.WorkTime {
	w := config.DefaultWorkTime()
	w.Warehouses = map[string]config.WarehouseHours{"SZ": {Shifts: "08:00-12:00,13:00-18:00", Weekdays: []int{1, 2, 3, 4, 5, 6, 7}}}
	return w
}

func TestAdd(t *testing.T) {
	c := cal(t, business())
	for _, tc := range []struct {
		name, wh, start string
		d               time.Duration
		want            string
	}{
		{"within the day", "", "2026-12-01 10:00", 2 * time.Hour, "2026-12-01 12:00"},
		{"a stage entered at 21:50 runs in the morning, not at 23:50", "", "2026-12-01 21:50", 2 * time.Hour, "2026-12-02 10:00"},
		{"the evening's last ten minutes count", "", "2026-12-01 19:50", 2 * time.Hour, "2026-12-02 09:50"},
		{"ends exactly at closing", "", "2026-12-01 18:00", 2 * time.Hour, "2026-12-01 20:00"},
		{"entered at night starts at opening", "", "2026-12-02 03:00", 30 * time.Minute, "2026-12-02 08:30"},
		{"Saturday works, Sunday does not", "", "2026-12-05 19:00", 2 * time.Hour, "2026-12-07 09:00"},
		{"a Friday evening runs into Saturday", "", "2026-12-04 19:00", 4 * time.Hour, "2026-12-05 11:00"},
		{"国庆: entered the evening before, waits out the holiday", "", "2026-09-30 19:00", 2 * time.Hour, "2026-10-08 09:00"},
		{"调休: the make-up Saturday 10-10 counts", "", "2026-10-09 19:00", 2 * time.Hour, "2026-10-10 09:00"},
		{"调休: the make-up Sunday 09-20 counts", "", "2026-09-19 19:00", 2 * time.Hour, "2026-09-20 09:00"},
		{"元旦 2027 is off", "", "2026-12-31 19:00", 2 * time.Hour, "2027-01-04 09:00"},
		{"a warehouse's lunch break does not count", "SZ", "2026-12-01 11:00", 2 * time.Hour, "2026-12-01 14:00"},
		{"a warehouse working Sundays", "SZ", "2026-12-05 17:00", 2 * time.Hour, "2026-12-06 09:00"},
		{"an unknown warehouse is the company", "XX", "2026-12-01 21:50", 2 * time.Hour, "2026-12-02 10:00"},
		{"zero is now, even at night", "", "2026-12-01 23:00", 0, "2026-12-01 23:00"},
		{"several days of work", "", "2026-12-01 08:00", 30 * time.Hour, "2026-12-03 14:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Add(tc.wh, at(tc.start), tc.d)
			if !got.Equal(at(tc.want)) {
				t.Errorf("Add(%q, %s, %v) = %s, want %s", tc.wh, tc.start, tc.d, got.In(shanghai).Format("2006-01-02 15:04 Mon"), tc.want)
			}
			if tc.d > 0 {
				if back := c.Between(tc.wh, at(tc.start), got); back != tc.d {
					t.Errorf("Between(start, Add(start, %v)) = %v", tc.d, back)
				}
			}
		})
	}
}

func TestBetweenOpenNextOpen(t *testing.T) {
	c := cal(t, business())
	for _, tc := range []struct {
		name, a, b string
		want       time.Duration
	}{
		{"over a night", "2026-12-01 19:00", "2026-12-02 09:00", 2 * time.Hour},
		{"a whole Sunday is nothing", "2026-12-06 00:00", "2026-12-07 00:00", 0},
		{"the 国庆 week is nothing", "2026-10-01 00:00", "2026-10-08 00:00", 0},
		{"backwards is nothing", "2026-12-02 10:00", "2026-12-01 10:00", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Between("", at(tc.a), at(tc.b)); got != tc.want {
				t.Errorf("Between(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		wh, t string
		open  bool
		next  string
	}{
		{"", "2026-12-01 10:00", true, "2026-12-01 10:00"},
		{"", "2026-12-01 20:00", false, "2026-12-02 08:00"},
		{"", "2026-12-06 10:00", false, "2026-12-07 08:00"},
		{"", "2026-10-03 10:00", false, "2026-10-08 08:00"},
		{"", "2026-10-10 10:00", true, "2026-10-10 10:00"},
		{"SZ", "2026-12-01 12:30", false, "2026-12-01 13:00"},
	} {
		if got := c.Open(tc.wh, at(tc.t)); got != tc.open {
			t.Errorf("Open(%q, %s) = %v, want %v", tc.wh, tc.t, got, tc.open)
		}
		if got := c.NextOpen(tc.wh, at(tc.t)); !got.Equal(at(tc.next)) {
			t.Errorf("NextOpen(%q, %s) = %s, want %s", tc.wh, tc.t, got.In(shanghai), tc.next)
		}
	}
}

// TestCoverage: the holiday data covers this year and the next; past it
// a year counts the configured weekdays alone (docs/escalation.md).
func TestCoverage(t *testing.T) {
	c := cal(t, business())
	for _, y := range []int{2026, 2027} {
		if !c.Covers(y) {
			t.Errorf("holiday data does not cover %d", y)
		}
	}
	if c.Covers(2099) {
		t.Fatal("2099 covered: the fallback below tests nothing")
	}
	// 2099-10-01 is a Thursday: worked, as no holiday data says otherwise.
	if got := c.Add("", at("2099-09-30 19:00"), 2*time.Hour); !got.Equal(at("2099-10-01 09:00")) {
		t.Errorf("past the data: %s, want the next weekday 2099-10-01 09:00", got.In(shanghai))
	}
	off := business()
	off.Holidays = false
	if got := cal(t, off).Add("", at("2026-09-30 19:00"), 2*time.Hour); !got.Equal(at("2026-10-01 09:00")) {
		t.Errorf("holidays off: %s, want 2026-10-01 09:00", got.In(shanghai))
	}
}

func TestAllDayIsTheWallClock(t *testing.T) {
	c := cal(t, config.AllDay())
	start := at("2026-10-01 21:50")
	if got := c.Add("", start, 2*time.Hour); !got.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("all day: %s", got)
	}
	if !c.Open("", at("2026-12-06 03:00")) {
		t.Error("all day is not open at 03:00 on a Sunday")
	}
}

// TestZone: the configured zone, not +8, decides the day.
func TestZone(t *testing.T) {
	w := config.DefaultWorkTime()
	w.Holidays = false
	utc := worktime.New(w, time.UTC)
	start := time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)
	if got := utc.Add("", start, 2*time.Hour); !got.Equal(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC calendar: %s", got)
	}
}

func TestParseShifts(t *testing.T) {
	for _, s := range []string{"08:00", "12:00-08:00", "08:00-12:00,11:00-13:00", "8-12", "08:00-25:00"} {
		if _, err := config.ParseShifts(s); err == nil {
			t.Errorf("ParseShifts(%q): no error", s)
		}
	}
	c := config.Default()
	c.WorkTime.Weekdays = []int{0}
	if err := c.Validate(); err == nil || err.Error() != "config: work_time.weekdays (ORDERHUB_WORK_TIME_WEEKDAYS): 0 is not a weekday 1 (Monday) … 7 (Sunday)" {
		t.Errorf("weekday 0: %v", err)
	}
}
