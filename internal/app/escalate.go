package app

import (
	"orderhub/service"
	"orderhub/web"
)

// wireEscalation builds the escalation scanner and mounts the staff API's
// ticket loop. It runs after wireBot: the scanner wakes its outbox.
func (a *App) wireEscalation(clock service.Clock) {
	cfg := a.cfg
	tickets := a.tickets
	a.esc = service.NewEscalator(a.db, a.orders, tickets, cfg.Escalation, clock, cfg.Location(), a.log)
	web.MountTickets(a.server.Staff(), tickets, cfg.Location(), a.log)
}
