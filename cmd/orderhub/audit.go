package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"orderhub/config"
	"orderhub/model"
	"orderhub/service"
)

// auditor builds the stock auditor on open stores.
func (a *app) auditor(clock service.Clock) *service.Auditor {
	return service.NewAuditor(a.db, a.rdb, a.cfg.Redis.Prefix, service.NewPipeline(a.cfg), clock, a.cfg.Location(), a.log)
}

// startAudit runs the nightly stock audit (02:00 local time, once across
// all instances) until the returned stop is called.
func (a *app) startAudit(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.auditor(service.SystemClock).Nightly(ctx) }()
	return func() {
		cancel()
		wg.Wait()
	}
}

// audit runs `orderhub audit`: the nightly check, now. Drift is printed,
// pushed to the admins through the outbox (a running orderhub sends it),
// and makes the command fail, so a cron job notices too.
func audit(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := openStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if err := model.Migrate(ctx, a.db); err != nil {
		return err
	}
	r, err := a.auditor(service.SystemClock).Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checked %d stock rows at %s\n", r.Checked, r.At.In(cfg.Location()).Format("2006-01-02 15:04"))
	if len(r.Drifts) == 0 {
		fmt.Fprintln(stdout, "no drift: locked = active allocations, on hand and locked = the ledger")
		return nil
	}
	fmt.Fprintf(stdout, "%-6s %-20s %8s %8s %8s %8s %8s\n", "wh", "sku", "on_hand", "ledger", "locked", "ledger", "alloc")
	for _, d := range r.Drifts {
		fmt.Fprintf(stdout, "%-6s %-20s %8d %8d %8d %8d %8d\n", d.Warehouse, d.SKU, d.OnHand, d.LedgerOnHand, d.Locked, d.LedgerLocked, d.Allocated)
	}
	if len(r.Notified) > 0 {
		fmt.Fprintf(stdout, "queued a push to %v\n", r.Notified)
	}
	return fmt.Errorf("audit: %d stock rows drifted", len(r.Drifts))
}
