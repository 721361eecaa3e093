package service

// The purchase calendar's facts. insight (service/insight) computes them
// (Insight.Calendar) and the stocking lists act on them; the type stays
// here, beside its reader, until the stocking lists leave the root for the
// buyers room, which may import insight (docs/architecture.md). Until
// then the stocking lists take the calendar through Calendars.

// CustomerCalendar is when one customer orders: orders per day of the
// month over the last Days days.
type CustomerCalendar struct {
	Code, Name string
	Orders     int
	// ByDay[d-1] counts the orders placed on day d of a month (local).
	ByDay [31]int
	// Clustered: at least ClusterShare of at least ClusterMin orders fell
	// in one window of ClusterSpan consecutive days of the month, From–To
	// (To < From when the window wraps past the month's end).
	Clustered bool
	From, To  int
	Share     float64
	// Urgent is the share of the orders that were urgent (promised within
	// 24 h of placing, or marked 加急/急用).
	Urgent float64
}

// Clustering thresholds: a customer clusters when 60% of at least 4
// orders fall in 4 consecutive days of the month.
const (
	ClusterSpan  = 4
	ClusterShare = 0.6
	ClusterMin   = 4
)
