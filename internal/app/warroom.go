package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/served"

	"orderhub/config"
	"orderhub/service"
	"orderhub/web"
)

// warRoom is the supervisors' side: the board, its metrics and gauges.
type warRoom struct {
	board    *service.Board
	measures *service.Measures
	insight  *service.Insight
	stocking *service.Stocking
	digest   *service.Digest // nil: no digest configured
	dash     *web.Dashboard
}

// wireWarRoom builds the board, the metrics and their routes: the metrics
// API answers the admin token or a board session.
func (a *App) wireWarRoom(clock service.Clock, tickets *service.Tickets) error {
	cfg := a.cfg
	secret, err := trackingSecret(cfg)
	if err != nil {
		return err
	}
	pipe := a.orders.Pipeline()
	w := &warRoom{
		board:    service.NewBoard(a.db, pipe, clock, cfg.Dashboard.AtRisk),
		measures: service.NewMeasures(a.db, pipe, clock, cfg.Location(), cfg.Dashboard.OTIFWindow.D()),
		insight:  service.NewInsight(a.db, clock, cfg.Location(), cfg.Dashboard.RemarkTerms),
	}
	a.registry.MustRegister(w.board.Collector())
	d := web.DashboardDeps{
		Board: w.board, Orders: a.orders, Tickets: tickets, Transfers: a.transfers, Measures: w.measures, Insight: w.insight, Catalog: a.catalog,
		Roles: cfg.Dashboard.Roles, AdminToken: cfg.AdminToken, Secret: secret, SessionTTL: cfg.Dashboard.SessionTTL.D(),
		PublicURL: cfg.PublicURL, DataDir: cfg.DataDir, Intakes: a.intakes, Location: cfg.Location(), Clock: clock, Log: a.log,
		Channels: channelNames(cfg.Channels),
		Overdue:  service.NewOverdue(cfg.Escalation),
	}
	if a.wecom != nil && a.wecom.oauth != nil {
		d.OAuth = a.wecom.oauth
	}
	w.dash = web.MountDashboard(a.server.Engine(), d)
	web.MountMoveIn(a.server.Engine(), w.dash, web.MoveInDeps{Imports: a.imports, Practice: a.practice, Exports: service.NewExports(a.db, pipe, cfg.Location()).WithChannelNames(channelNames(cfg.Channels))})
	api := a.server.Engine().Group("/api/v1", w.dash.SessionOrToken(a.server.Auth))
	web.MountMetrics(api, w.measures, a.log)
	web.MountInsight(api, w.insight, a.log)
	w.stocking = service.NewStocking(a.db, w.insight, pipe, clock, cfg.Location(), cfg.Stocking).
		WithSMS(cfg.SMS.Enabled() && cfg.SMS.StockingTemplate != "").WithOrders(a.orders)
	web.MountStocking(api, w.stocking, cfg.Location(), a.log)
	web.MountStockingPane(a.server.Engine(), w.dash, w.stocking)
	if a.mp != nil && a.mp.api != nil {
		a.mp.api.MountStocking(a.server.Engine(), w.stocking)
	}
	if cfg.Dashboard.DigestAt != "" {
		url := ""
		if cfg.PublicURL != "" {
			url = strings.TrimRight(cfg.PublicURL, "/") + "/dashboard"
		}
		if w.digest, err = service.NewDigest(a.db, w.measures, pipe, clock, cfg.Location(), cfg.Dashboard.DigestAt, cfg.Dashboard.DigestRoles, url, a.log); err != nil {
			return err
		}
	}
	a.war = w
	return nil
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
	rep, err := demo.NewHistory(a.db, a.catalog, a.orders, a.tickets, service.SystemClock, a.cfg.Location()).Seed(ctx, HistoryDays)
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
