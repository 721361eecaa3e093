package main

import (
	"context"
	"sync"

	"orderhub/service"
	"orderhub/web"
)

// wireEscalation builds the escalation scanner and mounts the staff API's
// ticket loop. It runs after wireBot: the scanner wakes its outbox.
func (a *app) wireEscalation(clock service.Clock) {
	cfg := a.cfg
	tickets := a.tickets
	a.esc = service.NewEscalator(a.db, a.orders, tickets, cfg.Escalation, clock, cfg.Location(), a.log)
	web.MountTickets(a.server.Staff(), tickets, cfg.Location(), a.log)
}

// startEscalation runs the scanner every escalation.scan_every. Every
// instance runs one: claims in the database (SKIP LOCKED on MySQL,
// SQLite's write lock embedded) keep them from pushing anything twice.
// stop waits for a scan in flight.
func (a *app) startEscalation(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.esc.Run(ctx, a.wecom.outbox.Poke) }()
	return func() {
		cancel()
		wg.Wait()
	}
}
