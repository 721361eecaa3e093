package sim

import (
	"context"
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

// Scaled keeps every business wait as configured (orderhub runs on the
// replay's business clock), makes only the real-time loops fine, removes
// the ladders when escalation is off, and gives a valid config.
func TestScaled(t *testing.T) {
	base := config.Default()
	const scale = 1440 // a day in a minute
	for _, esc := range []bool{true, false} {
		c := Scaled(base, scale, esc)
		if err := c.Validate(); err != nil {
			t.Fatalf("escalation %v: %v", esc, err)
		}
		for i, s := range c.Stages {
			if s.SLA != base.Stages[i].SLA {
				t.Errorf("stage %s SLA = %s, want %s as configured", s.Key, s.SLA.D(), base.Stages[i].SLA.D())
			}
			if esc && len(s.Escalation) != len(base.Stages[i].Escalation) {
				t.Errorf("stage %s lost levels", s.Key)
			}
			if !esc && len(s.Escalation) != 0 {
				t.Errorf("stage %s keeps levels with escalation off", s.Key)
			}
		}
		if esc {
			if got, want := c.Escalation.TicketAck[len(c.Escalation.TicketAck)-1].After.D(), 17*time.Minute; got != want {
				t.Errorf("ticket ack after %s, want %s", got, want)
			}
			if c.Escalation.ScanEvery.D() != 250*time.Millisecond {
				t.Errorf("scan every %s, want 250ms (5 business minutes is 208ms at 1:1440, floored)", c.Escalation.ScanEvery.D())
			}
		} else if len(c.Escalation.TicketAck)+len(c.Escalation.TicketResolve)+len(c.Escalation.Transfers) != 0 || c.Escalation.Away != 0 {
			t.Error("ladders or handover kept with escalation off")
		}
	}
	if base.Stages[0].SLA.D() != 2*time.Hour || len(base.Escalation.TicketAck) == 0 {
		t.Error("Scaled changed the config it was given")
	}
}

// The clock stands an hour before the day until Start, then runs at its
// scale; a call outstanding past the grace stops it until answered, and
// that time is counted as held.
func TestClockWaitsForAnswers(t *testing.T) {
	c := NewClock(Origin, 86400) // a business day a real second
	if got := c.Now(); !got.Equal(Origin.Add(-time.Hour)) {
		t.Fatalf("before Start: %s", got)
	}
	time.Sleep(10 * time.Millisecond)
	if got := c.Now(); !got.Equal(Origin.Add(-time.Hour)) {
		t.Fatalf("the clock ran before Start: %s", got)
	}
	c.Grace = 5 * time.Millisecond
	c.Start()
	time.Sleep(20 * time.Millisecond)
	ran := c.Now().Sub(Origin)
	if ran < 20*time.Minute { // 20 ms real is 28.8 business minutes
		t.Fatalf("after 20 ms running: %s", ran)
	}
	release := c.Hold()
	time.Sleep(100 * time.Millisecond)
	held := c.Now().Sub(Origin)
	// While held only the grace (and the time around it) runs: far less
	// than the 2.4 business hours 100 ms would be.
	if held-ran > 30*time.Minute {
		t.Fatalf("the clock ran %s while a call was outstanding", held-ran)
	}
	if c.Held() < 80*time.Millisecond {
		t.Fatalf("held %s, want about 95ms", c.Held())
	}
	release()
	release() // once only
	if !c.Until(context.Background(), c.Now().Add(10*time.Minute)) {
		t.Fatal("Until gave up")
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
