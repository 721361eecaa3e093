// Package apitime writes every time an HTTP answer carries the one way
// the house rule says: RFC 3339 in the business's zone (Asia/Shanghai by
// default), whatever zone it was stored in (UTC). The edges (web,
// miniprogram and whatever is added beside them) format through a Zone
// instead of calling Format themselves, and cmd/orderhub's
// TestAPITimesInZone checks every served JSON route for a stray UTC time.
package apitime

import (
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

// localLayouts are the ways staff type a time (service.ParseLocalTime),
// read in the zone.
var localLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006/01/02 15:04"}

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
