package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"orderhub/config"
	"orderhub/internal/app"
	"orderhub/model"
)

// audit runs `orderhub audit`: the nightly check, now. Drift is printed,
// pushed to the admins through the outbox (a running orderhub sends it),
// and makes the command fail, so a cron job notices too.
//
// It checks what is there and creates nothing: pointed at a data dir with
// no database, or a database without orderhub's schema, it refuses, naming
// the database, rather than reporting "no drift" over nothing.
func audit(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	if cfg.MySQLDSN == "" {
		path := filepath.Join(cfg.DataDir, "orderhub.db")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("audit: no database at %s (ORDERHUB_DATA_DIR=%s): nothing to check", path, cfg.DataDir)
		}
	}
	a, err := app.OpenStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := model.CheckSchema(ctx, a.DB()); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	r, err := a.Auditor().Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s: checked %d stock rows at %s\n", model.DatabaseName(a.DB()), r.Checked, r.At.In(cfg.Location()).Format("2006-01-02 15:04"))
	if !r.Drifted() {
		fmt.Fprintln(stdout, "no drift: locked = active allocations, on hand and locked = the ledger, delivered orders = their timeline")
		return nil
	}
	if len(r.Drifts) > 0 {
		fmt.Fprintf(stdout, "%-6s %-20s %8s %8s %8s %8s %8s\n", "wh", "sku", "on_hand", "ledger", "locked", "ledger", "alloc")
	}
	for _, d := range r.Drifts {
		fmt.Fprintf(stdout, "%-6s %-20s %8d %8d %8d %8d %8d\n", d.Warehouse, d.SKU, d.OnHand, d.LedgerOnHand, d.Locked, d.LedgerLocked, d.Allocated)
	}
	for _, d := range r.Deliveries {
		event := "no delivery event"
		if d.EventAt != nil {
			event = "delivery event at " + d.EventAt.In(cfg.Location()).Format("2006-01-02 15:04:05.000")
		}
		fmt.Fprintf(stdout, "order %s: %s since %s, %s\n", d.OrderNo, d.Stage, d.EnteredAt.In(cfg.Location()).Format("2006-01-02 15:04:05.000"), event)
	}
	if len(r.Notified) > 0 {
		fmt.Fprintf(stdout, "queued a push to %v\n", r.Notified)
	}
	return fmt.Errorf("audit: %d stock rows drifted, %d delivered orders disagree with their timeline", len(r.Drifts), len(r.Deliveries))
}
