package bot

import (
	"testing"
	"time"
)

// TestSpokenTime: the dates people say, counted from a Tuesday afternoon
// (2026-12-08 15:20 in Shanghai), become the date and time the service
// reads; anything else is left for the service to read or refuse.
func TestSpokenTime(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 8, 15, 20, 0, 0, loc).UTC() // a Tuesday
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"今天18点", "2026-12-08 18:00", true},
		{"今天 18:00", "2026-12-08 18:00", true},
		{"明天", "2026-12-09", true},
		{"明天9点", "2026-12-09 09:00", true},
		{"明天下午3点半", "2026-12-09 15:30", true},
		{"后天18点", "2026-12-10 18:00", true},
		{"后天18点半", "2026-12-10 18:30", true},
		{"后天18点15分", "2026-12-10 18:15", true},
		{"后天18：00", "2026-12-10 18:00", true},
		{"大后天上午10点", "2026-12-11 10:00", true},
		{"下周一", "2026-12-14", true},
		{"下周一9点", "2026-12-14 09:00", true},
		{"下星期三 14点", "2026-12-16 14:00", true},
		{"下周日18点", "2026-12-20 18:00", true},
		{"下周天", "2026-12-20", true},
		{"周五", "2026-12-11", true},
		{"星期五晚上8点", "2026-12-11 20:00", true},
		{"周一", "2026-12-14", true}, // this week's Monday is past: next week's
		{"周二18点", "2026-12-08 18:00", true},
		{"下下周一", "2026-12-21", true},
		{"12号", "2026-12-12", true},
		{"5号", "2027-01-05", true}, // the 5th is past this month
		{"1月3日 18点", "2027-01-03 18:00", true},
		{"12月20日", "2026-12-20", true},
		{"2026-12-10 18:00", "", false},
		{"后天下班前", "", false},
		{"明天25点", "", false},
		{"2月30日", "", false},
		{"刘洋", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := spokenTime(tc.in, now, loc)
			if ok != tc.ok || got != tc.want {
				t.Errorf("spokenTime(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestExampleTimeIsAhead: the date a hint shows is three days ahead of
// today at 18:00, whatever today is.
func TestExampleTimeIsAhead(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, now := range []time.Time{time.Date(2026, 12, 31, 23, 59, 0, 0, loc), time.Date(2030, 2, 27, 1, 0, 0, 0, loc), time.Now()} {
		got := exampleTime(now, loc)
		at, err := time.ParseInLocation("2006-01-02 15:04", got, loc)
		if err != nil || !at.After(now) || at.Sub(now) > 4*24*time.Hour {
			t.Errorf("exampleTime(%v) = %q, not a few days ahead", now, got)
		}
	}
}
