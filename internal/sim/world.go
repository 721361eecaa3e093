package sim

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"orderhub/config"
)

// Options say what day to replay.
type Options struct {
	Seed         uint64
	OrdersPerDay int
	Days         int
	// Scale is how many business seconds pass per real second.
	Scale float64
	// Drain is how long (business time) the simulation goes on after the
	// last day, at most, for orders to ship and be received.
	Drain   time.Duration
	Profile Profile
	// Stages is the pipeline orderhub runs (config.DefaultStages unless the
	// config says otherwise): who owns which stage.
	Stages []config.Stage
	// Progress, if set, is called about twice a second.
	Progress func(Progress)
	// Photo is the waybill photo dispatchers send (a JPEG).
	Photo []byte
	// Channel and ChannelSecret name a configured channel (preset native)
	// that sends signed orders; "" sends none.
	Channel, ChannelSecret string
	// Carrier is how parcels arrive and how orderhub learns it
	// (CarrierSlot, CarrierWindow); Kuaidi100Salt signs the carrier's
	// tracking pushes (CarrierSlot).
	Carrier, Kuaidi100Salt string
	// Promise is how customer service sets the promised time when
	// confirming: PromiseProposed takes orderhub's proposal (交期=建议),
	// PromiseRule their own rule of thumb (promiseFor).
	Promise string
	// Clock is the business clock orderhub was served on (NewClock at
	// Origin, Scale); nil: Play makes one (orderhub then runs on its own
	// clock, and only the simulated people follow this one).
	Clock *Clock
	// StockingTake, when above 0, models the stocking lists (stocking.go):
	// the share of buyers sent a list who take it. 0: not modelled.
	StockingTake float64
}

// Progress is where the simulation is.
type Progress struct {
	Now                        time.Time // business time
	Fraction                   float64   // of the longest it may take
	Placed, Shipped, Delivered int64
}

// Outcome is what the simulation itself saw (the report's figures come
// from the database; these are the client's side).
type Outcome struct {
	Clock         *Clock
	Start, End    time.Time // business time
	Attempts      int64     // orders buyers tried to place
	Placed        int64
	Refused       int64    // 409 insufficient_stock, after trimming to what was shown available
	ByPhone       int64    // orders customer service placed by 下单 + 确认 in chat
	ByChannel     int64    // orders the channel posted, signed
	Held          int64    // channel orders held for review (202)
	TrimmedUnits  int64    // units buyers wanted but the shown availability did not cover
	Problems      int64    // problems buyers reported
	StaffProblems int64    // 异常 reported in chat
	Commands      int64    // WeCom callbacks posted
	NoReply       int64    // commands whose answer did not arrive in time
	NoReplyTo     []string // the first few of them
	Acks          int64    // tickets acknowledged (收到 answered 已接单)
	Redirects     int64    // orders or transfers a lead handed to someone else after a push
	Restocked     int64    // units received by keepers (入库)
	RealSeconds   float64
	// HeldSeconds is the real time the clock stood still waiting for
	// orderhub's answers (Clock).
	HeldSeconds float64
	// ReplyP50, ReplyP90: real time from posting a command to its answer
	// arriving in the local WeCom — the system's own latency, which the
	// compression multiplies into business minutes.
	ReplyP50, ReplyP90 time.Duration
	OrderNos           []string
	StaffInProfile     int
}

// Origin is the business time the first simulated day begins.
var Origin = time.Date(2026, 11, 30, 0, 0, 0, 0, shanghai())

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

type order struct {
	no        string
	customer  int
	placed    time.Time // business
	promise   time.Time // business; zero until confirmed
	shipped   bool
	delivered bool
	done      bool // nothing more will happen to it from the buyer's side
}

type customer struct {
	code, region, warehouse, openid, token string
}

type world struct {
	opt    Options
	e      *Edges
	clock  *Clock
	end    time.Time
	people map[string]*Person
	names  map[string]*Person // by display name
	owner  map[string]string  // stage name → owner role
	cust   []customer
	skus   []string
	price  map[string]int64

	mu        sync.Mutex
	orders    map[string]*order
	redirects map[string]bool // ticket nos already acted on by someone
	tickets   map[string]bool // customer/staff tickets still open, as the simulation knows them
	handed    map[string][]task
	stk       *stockingModel // the window customers (stocking.go), nil when not modelled
	placedWG  sync.WaitGroup
	pending   atomic.Int64 // buyer events scheduled, not yet run
	out       Outcome

	placed, shipped, delivered atomic.Int64

	runCtx    context.Context
	posting   chan struct{}  // bounds callbacks posted in the background
	inflight  sync.WaitGroup // callbacks being posted
	latMu     sync.Mutex
	latencies []float64
}

var (
	reOrder    = regexp.MustCompile(`SO\d{8}-\d+`)
	reTicket   = regexp.MustCompile(`TK\d{8}-\d+`)
	reTransfer = regexp.MustCompile(`调拨单 #(\d+)`)
	reAdvanced = regexp.MustCompile(`已推进：订单 (SO\d{8}-\d+) 从「([^」]+)」到「([^」]+)」`)
	reTodoLine = regexp.MustCompile(`(SO\d{8}-\d+) (\S+)，`)
	reStockRow = regexp.MustCompile(`([A-Z]{2}) \S+：在库 (\d+)｜锁定 (\d+)｜(?:<font[^>]*>)?可用 (-?\d+)`)
)

// Play replays the business day(s) against the orderhub e reaches. The
// demo company (warehouses SH, SZ, HZ, its products and stock) must be
// seeded; Play registers the profile's staff and its customers itself,
// through the staff API.
func Play(ctx context.Context, e *Edges, opt Options) (Outcome, error) {
	w := &world{opt: opt, e: e, people: map[string]*Person{}, names: map[string]*Person{}, owner: map[string]string{},
		orders: map[string]*order{}, redirects: map[string]bool{}, tickets: map[string]bool{}, price: map[string]int64{},
		posting: make(chan struct{}, 24)}
	for i := range opt.Profile.Staff {
		p := &opt.Profile.Staff[i]
		w.people[p.UserID], w.names[p.Name] = p, p
	}
	for _, s := range opt.Stages {
		w.owner[s.Name] = s.OwnerRole
	}
	w.out.StaffInProfile = len(opt.Profile.Staff)
	w.clock = opt.Clock
	if w.clock == nil {
		w.clock = NewClock(Origin, opt.Scale)
	}
	e.hold, e.now = w.clock.Hold, w.clock.Now
	if err := w.setup(ctx); err != nil {
		return w.out, err
	}
	if err := w.stockingSetup(ctx); err != nil {
		return w.out, err
	}
	arrivals := w.schedule()

	pctx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	pollDone := make(chan struct{})
	go func() { defer close(pollDone); _ = e.Poll(pctx, 25*time.Millisecond) }()

	realStart := time.Now()
	w.clock.Start()
	w.end = Origin.Add(time.Duration(opt.Days)*24*time.Hour + opt.Drain)
	w.out.Clock, w.out.Start = w.clock, Origin
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	w.runCtx = runCtx

	var wg sync.WaitGroup
	for _, p := range w.people {
		wg.Add(1)
		go func() { defer wg.Done(); w.staffLoop(runCtx, p) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); w.buyers(runCtx, arrivals) }()
	wg.Add(1)
	go func() { defer wg.Done(); w.stockingBuyers(runCtx) }()
	for d := 1; d < opt.Days+2; d++ {
		day := d
		wg.Add(1)
		go func() { defer wg.Done(); w.restock(runCtx, Origin.AddDate(0, 0, day).Add(7*time.Hour+45*time.Minute)) }()
	}
	// Watch for the end: the last day is over and everything the buyers
	// and staff started has finished, or the drain ran out.
	lastDay := Origin.AddDate(0, 0, opt.Days)
	var following []string // problems open when the drain ended
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		now := w.clock.Now()
		if opt.Progress != nil {
			opt.Progress(Progress{Now: now, Fraction: math.Min(1, float64(now.Sub(Origin))/float64(w.end.Sub(Origin))),
				Placed: w.placed.Load(), Shipped: w.shipped.Load(), Delivered: w.delivered.Load()})
		}
		if now.After(lastDay) && w.settled() {
			break
		}
		if now.After(w.end) {
			// The drain is over. Problems reported before now are
			// followed to their resolution (at most followUp more): one
			// reported a minute before the end was not left unanswered,
			// the replay stopped. Those reported later are not counted.
			if following == nil {
				w.out.End = now
				following = w.openTickets()
			}
			if len(following) == 0 || now.After(w.out.End.Add(followUp)) || w.resolved(following) {
				break
			}
		}
		select {
		case <-ctx.Done():
			stopRun()
			wg.Wait()
			w.inflight.Wait()
			return w.out, ctx.Err()
		case <-tick.C:
		}
	}
	if following == nil {
		w.out.End = w.clock.Now()
	}
	stopRun()
	wg.Wait()
	w.inflight.Wait()
	stopPoll()
	<-pollDone
	w.out.RealSeconds = time.Since(realStart).Seconds()
	w.out.HeldSeconds = w.clock.Held().Seconds()
	w.mu.Lock()
	for no := range w.orders {
		w.out.OrderNos = append(w.out.OrderNos, no)
	}
	w.mu.Unlock()
	sort.Strings(w.out.OrderNos)
	w.out.Placed = w.placed.Load()
	w.latMu.Lock()
	w.out.ReplyP50, w.out.ReplyP90 = time.Duration(pct(w.latencies, 0.5)), time.Duration(pct(w.latencies, 0.9))
	w.latMu.Unlock()
	return w.out, nil
}

// followUp is how long after the drain the replay goes on following the
// problems then open to their resolution.
const followUp = 8 * time.Hour

// openTickets are the problems reported and not yet resolved, as the
// simulation knows them.
func (w *world) openTickets() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := []string{}
	for tk, open := range w.tickets {
		if open {
			out = append(out, tk)
		}
	}
	return out
}

// resolved says whether every one of tks has been resolved.
func (w *world) resolved(tks []string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, tk := range tks {
		if w.tickets[tk] {
			return false
		}
	}
	return true
}

// settled: every order is shipped and past what its buyer will do, and
// every problem reported is resolved.
func (w *world) settled() bool {
	if w.pending.Load() > 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, o := range w.orders {
		if !o.done {
			return false
		}
	}
	for _, open := range w.tickets {
		if open {
			return false
		}
	}
	return true
}

func seedFor(seed uint64, parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

func between(r *rand.Rand, rg Range) time.Duration {
	if rg.Max <= rg.Min {
		return rg.Min
	}
	return rg.Min + time.Duration(r.Int64N(int64(rg.Max-rg.Min)))
}

var regions = []struct{ region, warehouse, city string }{
	{"上海", "SH", "上海"}, {"上海", "SH", "上海"}, {"上海", "SH", "上海"}, {"上海", "SH", "上海"},
	{"苏州", "SZ", "苏州"}, {"苏州", "SZ", "苏州"}, {"苏州", "SZ", "苏州"},
	{"杭州", "HZ", "杭州"}, {"杭州", "HZ", "杭州"}, {"南京", "", "南京"},
}

// setup registers the profile's staff and 60 customers with a buyer each,
// and reads the catalog as a buyer sees it.
func (w *world) setup(ctx context.Context) error {
	for _, p := range w.opt.Profile.Staff {
		err := w.e.Staff(ctx, http.MethodPost, "/staff", map[string]any{"userid": p.UserID, "name": p.Name, "roles": p.Roles, "warehouse": p.Warehouse, "phone": p.Phone}, nil)
		var ae *APIError
		if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusConflict) {
			return fmt.Errorf("register staff %s: %w", p.UserID, err)
		}
	}
	r := seedFor(w.opt.Seed, "customers")
	kinds := []string{"机电设备", "五金制品", "汽配", "设备安装", "机械制造", "建材"}
	for i := 0; i < 60; i++ {
		rg := regions[r.IntN(len(regions))]
		c := customer{code: fmt.Sprintf("SIM%03d", i+1), region: rg.region, warehouse: rg.warehouse, openid: fmt.Sprintf("dev:sim-buyer-%03d", i+1)}
		err := w.e.Staff(ctx, http.MethodPost, "/customers", map[string]any{"code": c.code, "name": fmt.Sprintf("%s%s%s有限公司（模拟%d）", rg.city, []string{"恒", "宏", "顺", "精", "盛", "达"}[r.IntN(6)], kinds[r.IntN(len(kinds))], i+1),
			"contact": fmt.Sprintf("买家%d", i+1), "phone": fmt.Sprintf("139%08d", i+1), "region": c.region, "warehouse": c.warehouse}, nil)
		var ae *APIError
		if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusConflict) {
			return fmt.Errorf("customer %s: %w", c.code, err)
		}
		var login struct {
			Token string `json:"token"`
		}
		if err := w.e.JSON(ctx, http.MethodPost, "/api/mp/v1/login", "", nil, map[string]string{"code": c.openid}, &login); err != nil {
			return fmt.Errorf("buyer login %s: %w", c.openid, err)
		}
		if login.Token == "" {
			return fmt.Errorf("buyer login %s: no token in the answer", c.openid)
		}
		c.token = login.Token
		if err := w.e.Staff(ctx, http.MethodPost, "/buyers/"+c.openid+"/link", map[string]string{"customer": c.code}, nil); err != nil {
			return fmt.Errorf("link buyer %s: %w", c.openid, err)
		}
		w.cust = append(w.cust, c)
	}
	prods, err := w.products(ctx, w.cust[0].token)
	if err != nil {
		return err
	}
	for _, p := range prods {
		w.skus = append(w.skus, p.SKU)
		w.price[p.SKU] = p.PriceFen
	}
	if len(w.skus) == 0 {
		return errors.New("the catalog is empty: seed the demo company first")
	}
	return nil
}

type product struct {
	SKU       string `json:"sku"`
	PriceFen  int64  `json:"price_fen"`
	Available int64  `json:"available"`
}

func (w *world) products(ctx context.Context, token string) ([]product, error) {
	var out struct {
		Items []product `json:"items"`
	}
	err := w.e.JSON(ctx, http.MethodGet, "/api/mp/v1/products?size=100", token, nil, nil, &out)
	return out.Items, err
}

// restock is the morning delivery: each warehouse's keeper looks at the
// stock of the SKUs buyers want most and receives 120 of each that is
// short (入库), by chat, as a keeper would.
func (w *world) restock(ctx context.Context, at time.Time) {
	if !w.clock.Until(ctx, at) {
		return
	}
	keepers := map[string]string{}
	for _, p := range w.opt.Profile.Staff {
		if p.Has("keeper") && p.Warehouse != "" {
			if _, ok := keepers[p.Warehouse]; !ok {
				keepers[p.Warehouse] = p.UserID
			}
		}
	}
	for i := 0; i < min(15, len(w.skus)); i++ {
		sku := w.skus[i]
		var rows [][]string
		for _, k := range sortedKeys(keepers) {
			reply, err := w.ask(ctx, keepers[k], "库存 "+sku, func(s string) bool { return strings.Contains(s, sku) })
			if err != nil {
				continue
			}
			rows = reStockRow.FindAllStringSubmatch(reply, -1)
			break
		}
		for _, row := range rows {
			wh, availStr := row[1], row[4]
			user, ok := keepers[wh]
			if !ok {
				continue
			}
			if n, _ := strconv.Atoi(availStr); n < 30 {
				w.fire(ctx, user, fmt.Sprintf("入库 %s %s 120", sku, wh))
				atomic.AddInt64(&w.out.Restocked, 120)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
