package app

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/bot"
	"orderhub/web"
)

// routes mounts every route of the process on the staff API's router,
// which web.New made with its own (health, readiness, metrics, the
// /api/v1 orders, stock and catalogue): this is the one place to read
// what a served orderhub answers.
func (a *App) routes() {
	cfg, loc, log := a.cfg, a.cfg.Location(), a.log
	e, staff := a.server.Engine(), a.server.Staff()

	// Staff API (/api/v1, admin token).
	a.server.MountCarriers(a.orders, cfg.Carriers.Kuaidi100.Salt)
	a.server.MountIntake(a.intakes, cfg.DataDir)
	web.MountMasterData(staff, a.catalog, a.staffing, log)
	web.MountImports(staff, a.imports, a.exports, loc, log)
	web.MountOutbox(staff, a.outbox, loc, log)
	web.MountDirectory(staff, a.dirSync, log)
	web.MountTickets(staff, a.tickets, loc, log)

	// WeCom: the callback (not with WeCom off: nothing reaches the bot),
	// and in the demo the local WeCom on this server.
	if a.callback != nil {
		a.callback.Mount(e)
	}
	if a.localWeCom != nil {
		h := gin.WrapH(http.StripPrefix(bot.LocalPath, a.localWeCom))
		e.GET(bot.LocalPath+"/*path", func(c *gin.Context) {
			if c.Param("path") == "/progress" {
				a.chatProgress(c)
				return
			}
			h(c)
		})
		e.POST(bot.LocalPath+"/*path", h)
	}

	// The buyers' API (/api/mp/v1), the tracking page, and the staff
	// endpoints for buyers.
	a.buyers.Mount(e, staff)

	// The supervisors' board, moving in, and the metrics API, which
	// answers the admin token or a board session.
	a.war.dash = web.MountDashboard(e, a.war.deps)
	web.MountMoveIn(e, a.war.dash, web.MoveInDeps{Imports: a.imports, Practice: a.practice, Exports: a.exports})
	api := e.Group("/api/v1", a.war.dash.SessionOrToken(a.server.Auth))
	web.MountMetrics(api, a.war.measures, log)
	web.MountInsight(api, a.war.insight, log)
	web.MountStocking(api, a.war.stocking, loc, log)
	web.MountStockingPane(e, a.war.dash, a.war.stocking)
	// The buyers' stocking list (the mini-program's page of it).
	a.buyers.MountStocking(e, a.war.stocking)
}
