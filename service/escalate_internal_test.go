package service

import (
	"encoding/json"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/model"
)

// TestDecideFire: what a due alarm does, without a database — stop when
// its wait or ladder is over, wait out a level's quiet hours, else fire
// the level and say when the next is due (never sooner than the ladder's
// gap after this one) or that the ladder is done.
func TestDecideFire(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	d := func(x time.Duration) config.Duration { return config.Duration(x) }
	levels := []config.Level{
		{After: d(time.Hour), Notify: []string{"cs_lead"}},
		{After: d(3 * time.Hour), Notify: []string{"director"}, Quiet: "22:00-07:00"},
	}
	entered := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	alarm := func(level int) model.Alarm { return model.Alarm{Level: level, EnteredAt: entered} }
	for _, tc := range []struct {
		name  string
		a     model.Alarm
		live  bool
		now   time.Time
		want  firing
		level int // the level fired (its After), 0 for none
	}{
		{name: "the wait ended", a: alarm(1), live: false, now: entered.Add(time.Hour), want: firing{stop: true}},
		{name: "past the ladder", a: alarm(3), live: true, now: entered.Add(5 * time.Hour), want: firing{stop: true}},
		{name: "level 1 fires, level 2 at its time", a: alarm(1), live: true, now: entered.Add(time.Hour),
			want: firing{nextAt: entered.Add(3 * time.Hour)}, level: 1},
		{name: "level 1 late: level 2 keeps the ladder's gap", a: alarm(1), live: true, now: entered.Add(150 * time.Minute),
			want: firing{nextAt: entered.Add(150*time.Minute + 2*time.Hour)}, level: 1},
		{name: "level 2 at 23:00 waits for 07:00", a: alarm(2), live: true, now: time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC),
			want: firing{postpone: time.Date(2026, 11, 24, 23, 0, 0, 0, time.UTC)}},
		{name: "level 2 by day is the last", a: alarm(2), live: true, now: entered.Add(3 * time.Hour), want: firing{done: true}, level: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decideFire(levels, tc.a, tc.live, tc.now, loc, time.Time.Add)
			if tc.level > 0 {
				tc.want.level = levels[tc.level-1]
			}
			if got.stop != tc.want.stop || !got.postpone.Equal(tc.want.postpone) || got.done != tc.want.done ||
				!got.nextAt.Equal(tc.want.nextAt) || got.level.After != tc.want.level.After {
				t.Errorf("decideFire = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// toldAfter appends the level told, with names and userids, and leaves
// the history it was given as it was.
func TestToldAfter(t *testing.T) {
	at := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	before := make([]toldEntry, 1, 4)
	before[0] = toldEntry{Level: 1, Users: []string{"a"}, Names: []string{"甲"}, At: at}
	got := toldAfter(before, 2, []model.Staff{{UserID: "b", Name: "乙"}, {UserID: "c", Name: "丙"}}, at.Add(time.Hour))
	var told []toldEntry
	if err := json.Unmarshal([]byte(got), &told); err != nil {
		t.Fatal(err)
	}
	if len(told) != 2 || told[1].Level != 2 || len(told[1].Users) != 2 || told[1].Names[1] != "丙" || !told[1].At.Equal(at.Add(time.Hour)) {
		t.Fatalf("told = %s", got)
	}
	if len(before) != 1 || before[:2][1].Level != 0 {
		t.Fatalf("the history given was changed: %+v", before[:2])
	}
}
