package app

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"orderhub/bot"
	"orderhub/miniprogram"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/insight"
	"orderhub/service/movein"
	"orderhub/web"
)

// wire builds every part of the process on its open stores, each once, in
// the order they need each other, then mounts their routes (routes.go):
// the WeCom corp first (the bot's sender, the SDK's API base and the
// board's WeCom login depend on it), then the core services, the edges and
// the supervisors' board. It is the one place an App's parts are made.
func (a *App) wire() error {
	cfg, clock, loc := a.cfg, a.clock, a.cfg.Location()
	a.registry = prometheus.NewRegistry()
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), newReplicaCollector(a.db))
	secret, err := trackingSecret(cfg)
	if err != nil {
		return err
	}

	// WeCom: the corp, its client, and what the outbox sends with.
	corp, mode, local, err := a.wecomCorp()
	if err != nil {
		return err
	}
	a.localWeCom = local
	installSDK(cfg.WeChat.APIBase, corp.APIBase)
	wc := bot.NewWeCom(corp.CorpID, corp.Secret, corp.AgentID, a.rdb, cfg.Redis.Prefix, loc)
	var toStaff service.Sender = wc
	if mode == wecomOff {
		toStaff = offSender{}
	}
	a.mp = newMiniProgram(cfg, a.rdb, a.log)
	sender, err := a.outboxSender(toStaff)
	if err != nil {
		return err
	}
	ocr := a.ocr()
	if a.practice, err = newPractice(cfg, a.db, a.rdb, clock, a.log, wc, wc, ocr); err != nil {
		return err
	}
	a.closers = append(a.closers, a.practice.Close)

	// The core: services, bot, runner and outbox on the real database.
	var hooks []string
	for key, ch := range cfg.Channels {
		if ch.Webhook != "" {
			hooks = append(hooks, key)
		}
	}
	a.buyerCache = service.NewBuyerCache(a.rdb, cfg.Redis.Prefix, a.log)
	a.core = newCore(coreDeps{
		cfg: cfg, db: a.db, rdb: a.rdb, clock: clock, log: a.log,
		prefix: cfg.Redis.Prefix, dataDir: cfg.DataDir, registry: a.registry,
		hours: workHours(cfg, a.db, clock(), a.log), sender: sender, ocr: ocr, media: wc,
		buyerCache:   a.buyerCache,
		orderOptions: []service.OrderOption{service.WithChannelWebhooks(hooks...), service.WithSMS(cfg.SMS.Enabled())},
		practice:     func(*core) bot.Practice { return realPractice{p: a.practice} },
	})
	if mode != wecomOff {
		crypto, err := bot.NewCrypto(corp.Token, corp.AESKey, corp.CorpID)
		if err != nil {
			return err
		}
		a.callback = bot.NewCallback(crypto, a.inbox, a.runner, a.rdb, cfg.Redis.Prefix, clock, a.log).WithPractice(a.practice)
	}
	var oauth *bot.OAuth
	switch mode {
	case wecomReal:
		oauth = bot.NewOAuth(corp.CorpID, corp.Secret, strconv.Itoa(corp.AgentID), a.rdb, cfg.Redis.Prefix, "")
	case wecomDemo:
		// The demo's authorize page is the local WeCom's, on this server.
		oauth = bot.NewOAuth(corp.CorpID, corp.Secret, strconv.Itoa(corp.AgentID), a.rdb, cfg.Redis.Prefix, bot.LocalPath)
	}
	a.wecom = &wecomParts{corp: corp, mode: mode, oauth: oauth, local: local}

	// The rest of the back office.
	a.staffing = service.NewStaffing(a.db, a.pipe, clock, cfg.Roles)
	a.imports = movein.NewImports(a.db, clock, cfg.Roles).WithProgress(a.rdb, cfg.Redis.Prefix).WithBuyerCache(a.buyerCache)
	a.exports = movein.NewExports(model.OnReplica(a.db), a.pipe, loc).WithChannelNames(channelNames(cfg.Channels))
	a.dirSync = movein.NewDirectorySync(a.db, a.staffing, wc, clock, loc, a.log)
	a.esc = service.NewEscalator(a.db, a.orders, a.tickets, cfg.Escalation, clock, loc, a.log)

	// The edges: the staff API (the router the others mount on) and the
	// buyers' API.
	a.server = web.New(web.Deps{
		Catalog: a.catalog, Stock: a.stock, Orders: a.orders, Transfers: a.transfers,
		AdminToken: cfg.AdminToken, Location: loc, Log: a.log, Registry: a.registry, Ready: a.ready,
		TrustedProxies: cfg.TrustedProxies, DataDir: cfg.DataDir,
	})
	mp := miniprogram.Deps{
		Buyers: service.NewBuyers(a.db, clock).WithCache(a.buyerCache), Catalog: a.catalog, Orders: a.orders,
		Tracking: service.NewTracking(secret, a.orders),
		Tickets:  a.tickets,
		Links:    a.links,
		Notifier: a.mp.notifier,
		Redis:    a.rdb, Prefix: cfg.Redis.Prefix, Config: cfg.MiniProgram, PublicURL: cfg.PublicURL,
		SessionSecret: []byte("orderhub-mp-session:" + secret),
		Location:      loc, Log: a.log, DataDir: cfg.DataDir,
	}
	if a.mp.wechat != nil {
		mp.WeChat = a.mp.wechat
	}
	a.buyers = miniprogram.New(mp)

	// The supervisors' side: the board, its metrics, the digest. The
	// board, its gauges, the metrics, insight and exports only show
	// figures, so a read replica may answer them (model.OnReplica); the
	// stocking lists and the digest, which decide what is sent, read the
	// primary.
	views := model.OnReplica(a.db)
	w := &warRoom{
		board:    insight.NewBoard(views, a.pipe, clock, cfg.Dashboard.AtRisk),
		measures: insight.NewMeasures(views, a.pipe, clock, loc, cfg.Dashboard.OTIFWindow.D()),
		insight:  insight.NewInsight(views, clock, loc, cfg.Dashboard.RemarkTerms),
	}
	a.registry.MustRegister(w.board.Collector(), newMeasureGauges(w.measures, a.log))
	w.stocking = service.NewStocking(a.db, insight.NewInsight(a.db, clock, loc, cfg.Dashboard.RemarkTerms), a.pipe, clock, loc, cfg.Stocking).
		WithSMS(cfg.SMS.Enabled() && cfg.SMS.StockingTemplate != "").WithOrders(a.orders)
	if cfg.Dashboard.DigestAt != "" {
		url := ""
		if cfg.PublicURL != "" {
			url = strings.TrimRight(cfg.PublicURL, "/") + "/dashboard"
		}
		if w.digest, err = insight.NewDigest(a.db, insight.NewMeasures(a.db, a.pipe, clock, loc, cfg.Dashboard.OTIFWindow.D()), a.pipe, clock, loc, cfg.Dashboard.DigestAt, cfg.Dashboard.DigestRoles, url, a.log); err != nil {
			return err
		}
	}
	w.deps = web.DashboardDeps{
		Board: w.board, Orders: a.orders, Tickets: a.tickets, Transfers: a.transfers, Measures: w.measures, Insight: w.insight, Catalog: a.catalog,
		Roles: cfg.Dashboard.Roles, AdminToken: cfg.AdminToken, Secret: secret, SessionTTL: cfg.Dashboard.SessionTTL.D(),
		PublicURL: cfg.PublicURL, DataDir: cfg.DataDir, Intakes: a.intakes, Location: loc, Clock: clock, Log: a.log,
		Channels: channelNames(cfg.Channels),
		Overdue:  service.NewOverdue(cfg.Escalation),
	}
	if oauth != nil {
		w.deps.OAuth = oauth
	}
	a.war = w
	a.routes()
	return nil
}
