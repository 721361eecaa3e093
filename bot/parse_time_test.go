package bot

import (
	"reflect"
	"testing"
)

// A promised time typed in chat keeps its hours: the colon of 18:00 used
// to become a separator, so 「推进 … 交期=2026-11-30 18:00」 (the example
// the bot itself suggests) was refused as an unknown stage 「18」.
func TestFieldsKeepTimeOfDay(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		fields map[string]string
		rest   []string
	}{
		{"date and time", "推进 SO20261130-000001 交期=2026-11-30 18:00", map[string]string{"promised_at": "2026-11-30 18:00"}, nil},
		{"full-width colon", "推进 SO20261130-000001 交期=2026-11-30 18：00", map[string]string{"promised_at": "2026-11-30 18:00"}, nil},
		{"rfc3339", "推进 SO20261130-000001 交期=2026-11-30T18:00:05+08:00", map[string]string{"promised_at": "2026-11-30T18:00:05+08:00"}, nil},
		{"date alone, then a stage", "推进 SO20261130-000001 已确认 交期=2026-11-30", map[string]string{"promised_at": "2026-11-30"}, []string{"已确认"}},
		{"colon as a separator stays one", "推进：SO20261130-000001 质检员：刘洋", map[string]string{}, []string{"质检员", "刘洋"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Parse(tc.line)
			if c.Name != cmdAdvance {
				t.Fatalf("Parse(%q).Name = %q, want advance", tc.line, c.Name)
			}
			fs, rest := fields(c.Args[1:])
			if !reflect.DeepEqual(fs, tc.fields) {
				t.Errorf("fields = %v, want %v", fs, tc.fields)
			}
			if len(rest) != len(tc.rest) || (len(rest) > 0 && !reflect.DeepEqual(rest, tc.rest)) {
				t.Errorf("rest = %v, want %v", rest, tc.rest)
			}
		})
	}
}
