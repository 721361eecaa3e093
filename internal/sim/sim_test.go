package sim

import (
	"testing"
	"time"

	"orderhub/config"
)

func TestDefaultProfile(t *testing.T) {
	p, err := LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Staff) != 27 {
		t.Errorf("staff = %d, want 27", len(p.Staff))
	}
	whs := map[string]int{}
	for _, s := range p.Staff {
		if s.Warehouse != "" {
			whs[s.Warehouse]++
		}
	}
	if len(whs) != 3 {
		t.Errorf("warehouses = %v, want 3", whs)
	}
	var wang *Person
	for i := range p.Staff {
		if p.Staff[i].UserID == "wangjg" {
			wang = &p.Staff[i]
		}
	}
	if wang == nil {
		t.Fatal("wangjg missing")
	}
	day := Origin
	tests := []struct {
		name    string
		at      time.Duration
		present bool
		back    time.Duration
	}{
		{"night: nobody", 3 * time.Hour, false, 7*time.Hour + 30*time.Minute},
		{"at work", 8 * time.Hour, true, 8 * time.Hour},
		{"ignoring his phone for three hours", 10 * time.Hour, false, 12 * time.Hour},
		{"after the shift: tomorrow", 19 * time.Hour, false, 24*time.Hour + 7*time.Hour + 30*time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, back := wang.Present(day.Add(tc.at))
			if ok != tc.present || !back.Equal(day.Add(tc.back)) {
				t.Errorf("Present(%s) = %v, %s; want %v, %s", tc.at, ok, back.Sub(day), tc.present, tc.back)
			}
		})
	}
}

func TestProfileErrorsNameTheField(t *testing.T) {
	p := Profile{Staff: []Person{{UserID: "a", Name: "甲", Roles: []string{"keeper"}, Shift: "18:00-08:00", CheckEvery: Span(time.Hour), Work: Range{Max: time.Minute}}}}
	if err := p.check(); err == nil || err.Error() != `staff profile: staff[0] (a): shift: "18:00-08:00" is not a window like 08:00-18:00 (within one day)` {
		t.Errorf("err = %v", err)
	}
}

// Scaled changes only configuration values: every wait divided by the
// scale, the ladders gone when escalation is off, and the result valid.
func TestScaled(t *testing.T) {
	base := config.Default()
	const scale = 1440 // a day in a minute
	for _, esc := range []bool{true, false} {
		c := Scaled(base, scale, esc)
		if err := c.Validate(); err != nil {
			t.Fatalf("escalation %v: %v", esc, err)
		}
		for i, s := range c.Stages {
			if want := time.Duration(float64(base.Stages[i].SLA) / scale); s.SLA.D() != want && base.Stages[i].SLA > 0 {
				t.Errorf("stage %s SLA = %s, want %s", s.Key, s.SLA.D(), want)
			}
			if esc && len(s.Escalation) != len(base.Stages[i].Escalation) {
				t.Errorf("stage %s lost levels", s.Key)
			}
			if !esc && len(s.Escalation) != 0 {
				t.Errorf("stage %s keeps levels with escalation off", s.Key)
			}
		}
		if esc {
			if got, want := c.Escalation.TicketAck[len(c.Escalation.TicketAck)-1].After.D(), 17*time.Minute/scale; got != want {
				t.Errorf("ticket ack after %s, want %s", got, want)
			}
		} else if len(c.Escalation.TicketAck)+len(c.Escalation.TicketResolve)+len(c.Escalation.Transfers) != 0 {
			t.Error("ticket and transfer ladders kept with escalation off")
		}
	}
	if base.Stages[0].SLA.D() != 2*time.Hour || len(base.Escalation.TicketAck) == 0 {
		t.Error("Scaled changed the config it was given")
	}
}

func TestClockRoundTrip(t *testing.T) {
	c := Clock{Start: time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC), Origin: Origin, Scale: 1728}
	biz := Origin.Add(13*time.Hour + 17*time.Minute)
	if got := c.Biz(c.Real(biz)); got.Sub(biz).Abs() > time.Millisecond {
		t.Errorf("Biz(Real(t)) = %s, want %s", got, biz)
	}
	if got := c.Real(Origin.Add(24 * time.Hour)).Sub(c.Start); got != 50*time.Second {
		t.Errorf("a business day takes %s real, want 50s", got)
	}
}

func TestPromise(t *testing.T) {
	morning := Origin.Add(9 * time.Hour)
	if got := promiseFor(morning); !got.Equal(Origin.AddDate(0, 0, 1).Add(18 * time.Hour)) {
		t.Errorf("ordered 09:00: promised %s", got)
	}
	if got := promiseFor(Origin.Add(16 * time.Hour)); !got.Equal(Origin.AddDate(0, 0, 2).Add(18 * time.Hour)) {
		t.Errorf("ordered 16:00: promised %s", got)
	}
}

// The other staff profiles the replay is judged with load, and are what
// they say: slower people, more absences, leads who act on fewer pushes.
func TestOtherProfilesLoad(t *testing.T) {
	base, err := LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"testdata/staff-slow.yaml", "testdata/staff-absent.yaml"} {
		p, err := LoadProfile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(p.Staff) != len(base.Staff) {
			t.Fatalf("%s: %d staff, want %d", path, len(p.Staff), len(base.Staff))
		}
		var slower, away, ignore bool
		for i, s := range p.Staff {
			b := base.Staff[i]
			slower = slower || s.React.Max > b.React.Max
			away = away || len(s.Absent) > len(b.Absent)
			ignore = ignore || s.Ack < b.Ack
		}
		if !slower && !(away && ignore) {
			t.Errorf("%s: neither slower nor away more with leads ignoring pushes", path)
		}
	}
}
