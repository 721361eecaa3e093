package app

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/service"
	"orderhub/service/catalog"
)

// core is what runs on one database: the services, the chat bot with its
// command runner, and the outbox. newCore builds it for the real database
// (wire) and for every trainee's sandbox (practice.build) alike, so a
// sandbox runs exactly the services the real system runs; coreDeps says
// what differs between them.
type core struct {
	pipe      *service.Pipeline
	catalog   *catalog.Catalog
	stock     *service.Stock
	orders    *service.Orders
	transfers *service.Transfers
	tickets   *service.Tickets
	intakes   *service.Intakes
	links     *service.LinkRequests
	inbox     *service.Inbox
	outbox    *service.Outbox
	runner    *bot.Runner
}

// coreDeps are the stores and choices one core is built on.
type coreDeps struct {
	cfg   config.Config
	db    *gorm.DB
	rdb   redis.UniversalClient
	clock service.Clock
	log   *slog.Logger
	// prefix is its Redis keys' prefix (a sandbox's own under the real one).
	prefix string
	// dataDir is where its waybill photos go.
	dataDir string
	// registry takes its metrics (a sandbox's is scraped by nobody).
	registry *prometheus.Registry
	hours    *service.Hours
	// sender sends what its outbox holds.
	sender service.Sender
	ocr    service.OCR
	media  bot.MediaSource
	// buyerCache is invalidated by catalogue writes; nil: none (sandboxes
	// have no buyers).
	buyerCache *service.BuyerCache
	// orderOptions: channel webhooks and SMS, which only the real system
	// sends.
	orderOptions []service.OrderOption
	// practice is the bot's practice mode, given the services built: the
	// real system's, or the sandbox's own.
	practice func(c *core) bot.Practice
	// workers is how many commands the runner runs at once; 0: the default.
	workers int
}

// newCore builds the services, bot, runner and outbox on d.
func newCore(d coreDeps) *core {
	cfg, db, clock, loc := d.cfg, d.db, d.clock, d.cfg.Location()
	c := &core{pipe: service.NewPipeline(cfg).WithHours(d.hours)}
	locker := redislock.New(d.rdb, d.prefix, cfg.Reserve.LockTTL.D(), cfg.Reserve.LockWait.D(), d.log)
	c.catalog = catalog.NewCatalog(db, cfg.Roles)
	if d.buyerCache != nil {
		c.catalog = c.catalog.WithBuyerCache(d.buyerCache)
	}
	c.stock = service.NewStock(db, clock)
	c.orders = service.NewOrders(db, locker, c.pipe, clock, loc, d.log, service.NewMetrics(d.registry), d.orderOptions...)
	c.transfers = service.NewTransfers(db, c.pipe, clock)
	c.tickets = service.NewTickets(db, c.pipe, clock, loc, cfg.Roles)
	c.intakes = service.NewIntakes(db, c.orders, clock, service.NewChannels(cfg.Channels), cfg.Intake.ReviewRole, cfg.Intake.DraftTTL.D())
	c.inbox = service.NewInbox(db, clock)
	buyers := service.NewBuyers(db, clock)
	if d.buyerCache != nil {
		buyers = buyers.WithCache(d.buyerCache)
	}
	c.links = service.NewLinkRequests(db, buyers, c.pipe, clock, loc)
	c.outbox = service.NewOutbox(db, d.sender, clock, d.log, d.registry, service.OutboxOptions{
		Poll: cfg.Outbox.Poll.D(), BackoffBase: cfg.Outbox.BackoffBase.D(), BackoffMax: cfg.Outbox.BackoffMax.D(),
		MaxAttempts: cfg.Outbox.MaxAttempts, Lease: time.Minute,
	})
	b := bot.New(bot.Deps{
		Catalog: c.catalog, Stock: c.stock, Orders: c.orders, Transfers: c.transfers, Tickets: c.tickets,
		Todos: service.NewTodos(db, c.pipe, c.tickets, c.transfers), Inbox: c.inbox, Intakes: c.intakes, Links: c.links,
		OCR: d.ocr, Media: d.media, Redis: d.rdb, Prefix: d.prefix, DataDir: d.dataDir, Location: loc, Log: d.log,
		Practice: d.practice(c), Clock: clock, BoardURL: boardURL(cfg),
	})
	c.runner = bot.NewRunner(b, c.inbox, c.outbox.Poke, d.log, bot.RunnerOptions{Workers: d.workers})
	return c
}
