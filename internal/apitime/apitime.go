// Package apitime reads times as people and channels write them
// (ParseLocal, the one parser of local times) and writes every time an
// HTTP answer carries the one way
// the house rule says: RFC 3339 in the business's zone (Asia/Shanghai by
// default), whatever zone it was stored in (UTC). The edges (web,
// miniprogram and whatever is added beside them) format through a Zone
// instead of calling Format themselves, and internal/app's
// TestAPITimesInZone checks every served JSON route for a stray UTC time.
package apitime

import (
	"fmt"
	"strings"
	"time"
)

// Zone formats times for API answers in one location.
type Zone struct{ loc *time.Location }

// New returns a Zone for loc; it panics on nil, a wiring error.
func New(loc *time.Location) Zone {
	if loc == nil {
		panic("apitime: New: nil location")
	}
	return Zone{loc: loc}
}

// Format is t as RFC 3339 in the zone: 2026-12-01T18:00:00+08:00.
func (z Zone) Format(t time.Time) string { return t.In(z.loc).Format(time.RFC3339) }

// Ptr formats an optional time; nil stays nil (JSON null).
func (z Zone) Ptr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := z.Format(*t)
	return &v
}

// localLayouts are the ways people and channels write a local date and
// time, read in the zone; dateLayouts a local date alone.
var (
	localLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006/01/02 15:04"}
	dateLayouts  = []string{"2006-01-02", "2006/01/02", "20060102"}
)

// ParseLocal is the one reading of a time as people and channels write it:
// RFC 3339 with its own offset, else a local date and time in loc (the
// configured zone: "2026-11-30 18:00"), else a local date alone, meaning
// dateAlone after that day's midnight (staff's promised dates mean 18:00,
// the end of the working day; a channel's mean the day's start). The
// answer is UTC, as times are stored.
func ParseLocal(s string, loc *time.Location, dateAlone time.Duration) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.Add(dateAlone).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q", s)
}

// Fields returns free-form fields (an order's stage fields) with every
// time-valued one, a key ending in _at, rewritten into the zone: stored
// as RFC 3339 UTC or as typed ("2026-12-01 18:00"), it is answered like
// every other time. Other values are left as they are.
func (z Zone) Fields(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
		if !strings.HasSuffix(k, "_at") {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			out[k] = z.Format(t)
			continue
		}
		for _, layout := range localLayouts {
			if t, err := time.ParseInLocation(layout, strings.TrimSpace(v), z.loc); err == nil {
				out[k] = z.Format(t)
				break
			}
		}
	}
	return out
}
