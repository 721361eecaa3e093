package web

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"orderhub/service"
	"orderhub/service/insight"
)

// MountInsight adds GET /insight/calendar?customer=&days= and
// /insight/remarks?days= to a guarded group.
func MountInsight(g *gin.RouterGroup, in *insight.Insight, log *slog.Logger) {
	if in == nil || log == nil {
		panic("web: MountInsight: nil dependency")
	}
	days := func(c *gin.Context) (int, bool) {
		v := c.Query("days")
		if v == "" {
			return 90, true
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			writeErr(c, http.StatusUnprocessableEntity, service.CodeInvalidRange, "days: 须为 7 到 366 的整数天数")
			return 0, false
		}
		return n, true
	}
	g.GET("/insight/calendar", func(c *gin.Context) {
		n, ok := days(c)
		if !ok {
			return
		}
		cals, err := in.Calendar(c.Request.Context(), c.Query("customer"), n)
		if err != nil {
			fail(c, log, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"days": n, "items": CalendarOut(cals)})
	})
	g.GET("/insight/remarks", func(c *gin.Context) {
		n, ok := days(c)
		if !ok {
			return
		}
		terms, err := in.Remarks(c.Request.Context(), n)
		if err != nil {
			fail(c, log, err)
			return
		}
		themes, err := in.RemarkThemes(c.Request.Context(), n, terms)
		if err != nil {
			fail(c, log, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"days": n, "items": TermsOut(terms), "themes": ThemesOut(themes)})
	})
}

// CalendarJSON is one customer's purchase calendar.
type CalendarJSON struct {
	Customer     string  `json:"customer"`
	Name         string  `json:"name"`
	Orders       int     `json:"orders"`
	ByDayOfMonth []int   `json:"by_day_of_month"`
	Clustered    bool    `json:"clustered"`
	PeakFrom     int     `json:"peak_from"`
	PeakTo       int     `json:"peak_to"`
	PeakShare    float64 `json:"peak_share"`
	UrgentShare  float64 `json:"urgent_share"`
}

// CalendarOut renders calendars for the API and the board.
func CalendarOut(cs []service.CustomerCalendar) []CalendarJSON {
	out := make([]CalendarJSON, len(cs))
	for i, c := range cs {
		out[i] = CalendarJSON{Customer: c.Code, Name: c.Name, Orders: c.Orders, ByDayOfMonth: c.ByDay[:], Clustered: c.Clustered,
			PeakFrom: c.From, PeakTo: c.To, PeakShare: c.Share, UrgentShare: c.Urgent}
	}
	return out
}

// TermJSON is one remark term.
type TermJSON struct {
	Term     string   `json:"term"`
	Count    int      `json:"count"`
	Known    bool     `json:"known"`
	Weeks    []int    `json:"weeks"`
	Examples []string `json:"examples"`
}

// TermsOut renders remark terms for the API and the board.
func TermsOut(ts []insight.RemarkTerm) []TermJSON {
	out := make([]TermJSON, len(ts))
	for i, t := range ts {
		out[i] = TermJSON{Term: t.Term, Count: t.Count, Known: t.Known, Weeks: t.Weeks, Examples: t.Examples}
		if out[i].Examples == nil {
			out[i].Examples = []string{}
		}
	}
	return out
}

// ThemeJSON is one theme of the remarks: a kind of requirement, the
// customers who asked for it and their share of those who ordered.
type ThemeJSON struct {
	Theme     string   `json:"theme"`
	Customers int      `json:"customers"`
	Share     float64  `json:"share"`
	Orders    int      `json:"orders"`
	Terms     []string `json:"terms"`
}

// ThemesOut renders remark themes for the API and the board.
func ThemesOut(ts []insight.RemarkTheme) []ThemeJSON {
	out := make([]ThemeJSON, len(ts))
	for i, t := range ts {
		out[i] = ThemeJSON{Theme: t.Name, Customers: t.Customers, Share: t.Share, Orders: t.Orders, Terms: t.Terms}
		if out[i].Terms == nil {
			out[i].Terms = []string{}
		}
	}
	return out
}
