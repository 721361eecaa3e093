package service

import "time"

// ToldLevel is one escalation level fired on an alarm, and when.
type ToldLevel struct {
	Level int
	At    time.Time
}

// ToldLevels reads the levels fired from an alarm's told column, through
// escalation's own parser of the format it writes (parseTold): the rooms
// outside this package that count or show escalations (insight's board and
// measures) read it here, so the format has one reader. It goes to the
// kernel with its writer (docs/architecture.md, "Who was told").
func ToldLevels(told string) []ToldLevel {
	var out []ToldLevel
	for _, t := range parseTold(told) {
		out = append(out, ToldLevel{Level: t.Level, At: t.At})
	}
	return out
}
