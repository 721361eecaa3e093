// Package sim replays a compressed business day against a served orderhub
// through its real edges only: buyers on the mini-program API, staff on
// the WeCom callback (signed and encrypted as WeCom does, replies read from
// the local WeCom), supervisors answering (or not) the pushes they get.
// orderhub runs on the replay's business clock (Clock): Scale business
// seconds per real second while the machine keeps up, and none while a
// call into orderhub waits for its answer past a short grace, so the
// machine's load slows the replay down rather than changing its figures.
// The simulated people wait business time on the same clock. The database
// is read only afterwards, to compute the report.
package sim

import (
	_ "embed"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed staff.yaml
var defaultStaff []byte

// Profile is the staff of the simulated business and how each behaves.
type Profile struct {
	Staff []Person `yaml:"staff"`
}

// Person is one member of staff as the simulation plays them.
type Person struct {
	UserID    string   `yaml:"userid"`
	Name      string   `yaml:"name"`
	Roles     []string `yaml:"roles"`
	Warehouse string   `yaml:"warehouse"`
	Phone     string   `yaml:"phone"`
	// Shift is "HH:MM-HH:MM" business local time.
	Shift string `yaml:"shift"`
	// CheckEvery is how often they send 待办 while on shift.
	CheckEvery Span `yaml:"check_every"`
	// React is how long a push waits before they act on it.
	React Range `yaml:"react"`
	// Work is how long one task takes.
	Work Range `yaml:"work"`
	// Ack is the chance they act on an escalation push (0 = never).
	Ack float64 `yaml:"ack"`
	// Absent are windows of the day in which they do nothing.
	Absent []Absence `yaml:"absent"`

	shiftFrom, shiftTo time.Duration
}

// Absence is a window of the business day, e.g. lunch.
type Absence struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
	Why  string `yaml:"why"`

	from, to time.Duration
}

// Span is a duration written as Go writes them ("45m").
type Span time.Duration

// UnmarshalYAML reads a Go duration.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 45m", n.Value)
	}
	*s = Span(d)
	return nil
}

// Range is "2m-10m": a uniformly drawn duration.
type Range struct{ Min, Max time.Duration }

// UnmarshalYAML reads "2m-10m" or a single duration.
func (r *Range) UnmarshalYAML(n *yaml.Node) error {
	lo, hi, ok := strings.Cut(n.Value, "-")
	if !ok {
		hi = lo
	}
	a, err1 := time.ParseDuration(strings.TrimSpace(lo))
	b, err2 := time.ParseDuration(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || b < a {
		return fmt.Errorf("%q is not a range like 2m-10m", n.Value)
	}
	r.Min, r.Max = a, b
	return nil
}

// LoadProfile reads a staff profile file; "" is the built-in one.
func LoadProfile(path string) (Profile, error) {
	b := defaultStaff
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return Profile{}, fmt.Errorf("staff profile: %w", err)
		}
	}
	var p Profile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("staff profile %s: %w", path, err)
	}
	return p, p.check()
}

func (p *Profile) check() error {
	if len(p.Staff) == 0 {
		return fmt.Errorf("staff profile: no staff")
	}
	seen := map[string]bool{}
	for i := range p.Staff {
		s := &p.Staff[i]
		at := fmt.Sprintf("staff profile: staff[%d] (%s)", i, s.UserID)
		if s.UserID == "" || s.Name == "" || len(s.Roles) == 0 {
			return fmt.Errorf("%s: userid, name and roles are required", at)
		}
		if seen[s.UserID] {
			return fmt.Errorf("%s: userid listed twice", at)
		}
		seen[s.UserID] = true
		var err error
		if s.shiftFrom, s.shiftTo, err = window(s.Shift); err != nil {
			return fmt.Errorf("%s: shift: %w", at, err)
		}
		if s.CheckEvery <= 0 {
			return fmt.Errorf("%s: check_every: must be > 0", at)
		}
		if s.Work.Max <= 0 {
			return fmt.Errorf("%s: work: must be > 0", at)
		}
		if s.Ack < 0 || s.Ack > 1 {
			return fmt.Errorf("%s: ack: must be between 0 and 1", at)
		}
		for j := range s.Absent {
			a := &s.Absent[j]
			if a.from, a.to, err = window(a.From + "-" + a.To); err != nil {
				return fmt.Errorf("%s: absent[%d]: %w", at, j, err)
			}
		}
	}
	return nil
}

// window reads "08:00-18:00" as offsets from midnight.
func window(s string) (time.Duration, time.Duration, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a window like 08:00-18:00", s)
	}
	from, err1 := clockTime(a)
	to, err2 := clockTime(b)
	if err1 != nil || err2 != nil || to <= from {
		return 0, 0, fmt.Errorf("%q is not a window like 08:00-18:00 (within one day)", s)
	}
	return from, to, nil
}

func clockTime(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Has reports whether the person holds role.
func (p *Person) Has(role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Present reports whether the person is working at business time t
// (local), and if not, when they next are.
func (p *Person) Present(t time.Time) (bool, time.Time) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	off := t.Sub(day)
	if off < p.shiftFrom {
		return false, day.Add(p.shiftFrom)
	}
	if off >= p.shiftTo {
		return false, day.AddDate(0, 0, 1).Add(p.shiftFrom)
	}
	for _, a := range p.Absent {
		if off >= a.from && off < a.to {
			return false, day.Add(a.to)
		}
	}
	return true, t
}
