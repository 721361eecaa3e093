package apitime

import (
	"testing"
	"time"
)

func TestZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	z := New(sh)
	utc := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if got := z.Format(utc); got != "2026-12-01T18:00:00+08:00" {
		t.Fatalf("Format = %s", got)
	}
	if z.Ptr(nil) != nil || *z.Ptr(&utc) != "2026-12-01T18:00:00+08:00" {
		t.Fatal("Ptr")
	}
	got := z.Fields(map[string]string{"promised_at": "2026-12-01T10:00:00Z", "typed_at": "2026-12-01 18:00", "carrier": "顺丰", "bad_at": "soon"})
	want := map[string]string{"promised_at": "2026-12-01T18:00:00+08:00", "typed_at": "2026-12-01T18:00:00+08:00", "carrier": "顺丰", "bad_at": "soon"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Fields[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// TestParseLocal: the one reading of local times, in the zone it is given
// (never a zone written in the code), with a date alone at the hour asked.
func TestParseLocal(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in        string
		dateAlone time.Duration
		want      time.Time
	}{
		{"2026-12-01T10:00:00+08:00", 0, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)},
		{" 2026-12-01 18:00 ", 0, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"2026-12-01 18:00:30", 0, time.Date(2026, 12, 1, 9, 0, 30, 0, time.UTC)},
		{"2026/12/01 18:00", 0, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"2026-12-01", 18 * time.Hour, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"20261201", 0, time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)},
	} {
		got, err := ParseLocal(c.in, tokyo, c.dateAlone)
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseLocal(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := ParseLocal("soon", tokyo, 0); err == nil {
		t.Error("ParseLocal(soon) read a time")
	}
}
