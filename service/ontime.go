package service

import (
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// The one on-time rule: the board's on-time rate and OTIF (Measures.OnTime),
// the finance export's on-time column (Exports.Orders), promise checks and
// the daily digest all judge a delivery here, so they cannot disagree. It
// belongs with promises (docs/architecture.md, the promise room).

// OnTimeTolerance is the business's definition of on time: delivered no
// more than two hours before or after the promised time. Earlier is not on
// time either (the buyer was not there to receive it).
const OnTimeTolerance = 2 * time.Hour

// The verdicts of Punctuality.
const (
	PunctualOnTime     = "on_time"
	PunctualEarly      = "early"
	PunctualLate       = "late"
	PunctualUnpromised = "unpromised"
)

// Punctuality says how a delivery at d compares with the promise p:
// PunctualOnTime within ± OnTimeTolerance (edges included), else
// PunctualEarly or PunctualLate; PunctualUnpromised without a promise.
func Punctuality(d time.Time, p *time.Time) string {
	switch {
	case p == nil:
		return PunctualUnpromised
	case d.Before(p.Add(-OnTimeTolerance)):
		return PunctualEarly
	case d.After(p.Add(OnTimeTolerance)):
		return PunctualLate
	default:
		return PunctualOnTime
	}
}

// PunctualitySQL is Punctuality in SQL, for counting in the database: the
// conditions, over a delivered order o (its stage_entered_at the delivery)
// with a promise, that the delivery was early (before promised −
// OnTimeTolerance) or late (after promised + OnTimeTolerance); the edges
// are on time, as in Punctuality (TestOnTimeRateEdges holds them equal).
// MariaDB/MySQL compare DATETIMEs shifted by an INTERVAL (exact at the
// stored millisecond precision). SQLite stores times as text, so both sides
// become integer milliseconds since the epoch (whole seconds from
// strftime('%s'), milliseconds from strftime('%f')): exact integer
// arithmetic, no floating-point julian days at the edges.
func PunctualitySQL(db *gorm.DB) (early, late string, err error) {
	tol := int64(OnTimeTolerance / time.Millisecond)
	switch name := db.Dialector.Name(); name {
	case "mysql":
		sec := strconv.FormatInt(tol/1000, 10)
		return "o.stage_entered_at < o.promised_at - INTERVAL " + sec + " SECOND",
			"o.stage_entered_at > o.promised_at + INTERVAL " + sec + " SECOND", nil
	case "sqlite":
		ms := func(col string) string {
			return "(CAST(strftime('%s', " + col + ") AS INTEGER) * 1000 + CAST(substr(strftime('%f', " + col + "), 4) AS INTEGER))"
		}
		diff := "(" + ms("o.stage_entered_at") + " - " + ms("o.promised_at") + ")"
		n := strconv.FormatInt(tol, 10)
		return diff + " < -" + n, diff + " > " + n, nil
	default:
		return "", "", fmt.Errorf("service: on-time rate: unsupported database %q", name)
	}
}
