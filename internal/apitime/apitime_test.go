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
