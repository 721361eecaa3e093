package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/served"
	"orderhub/service"
	"orderhub/service/insight"
	"orderhub/web"
)

// warRoom is the supervisors' side: the board, its metrics and gauges.
type warRoom struct {
	board    *insight.Board
	measures *insight.Measures
	insight  *insight.Insight
	stocking *service.Stocking
	digest   *insight.Digest // nil: no digest configured
	// deps build the board's pages, dash, when routes mounts them.
	deps web.DashboardDeps
	dash *web.Dashboard
}

// BoardBanner prints where the board is and how to log in.
func (a *App) BoardBanner(w io.Writer, addr string) {
	fmt.Fprintf(w, "supervisors' board: http://%s/dashboard — log in with the staff API token", served.DisplayAddr(addr))
	if a.wecom != nil && a.wecom.oauth != nil {
		fmt.Fprint(w, " or 企业微信登录")
	}
	fmt.Fprintln(w)
}

// HistoryDays is how much past the demo history covers.
const HistoryDays = 90

// SeedHistory seeds the demo's 90 days of past orders and today's open
// ones, right after the demo company was seeded.
func (a *App) SeedHistory(ctx context.Context) (demo.Report, time.Duration, error) {
	start := time.Now()
	rep, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, a.clock, a.cfg.Location()).Seed(ctx, HistoryDays)
	return rep, time.Since(start), err
}

// channelNames names the configured channels (key → name, the key when
// the config gives no name), for the board and the export.
func channelNames(chans map[string]config.Channel) map[string]string {
	out := make(map[string]string, len(chans))
	for key, ch := range chans {
		out[key] = key
		if ch.Name != "" {
			out[key] = ch.Name
		}
	}
	return out
}
