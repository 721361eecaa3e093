package miniprogram_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/util"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/miniprogram"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/insight"
	"orderhub/web"
)

const adminToken = "test-admin-token-0123456789"

// fakeWeChat is a local WeChat-compatible server speaking the real paths,
// JSON and errcodes, recording what it was sent.
type fakeWeChat struct {
	srv *httptest.Server

	mu         sync.Mutex
	tokenCalls int
	codeCalls  int // jscode2session calls
	sent       []map[string]any
	// refuse maps an openid to the errcode subscribe/send answers for it.
	refuse map[string]int
	// down makes every send answer HTTP 503.
	down bool
	// failNext is an errcode the next send answers with, once.
	failNext int
}

func newFakeWeChat(t *testing.T) *fakeWeChat {
	f := &fakeWeChat{refuse: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sns/jscode2session", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.codeCalls++
		f.mu.Unlock()
		q := r.URL.Query()
		switch {
		case q.Get("appid") != "wx-test-app" || q.Get("secret") != "wx-test-secret" || q.Get("grant_type") != "authorization_code":
			writeJSON(w, map[string]any{"errcode": 40013, "errmsg": "invalid appid"})
		case strings.HasPrefix(q.Get("js_code"), "good-"):
			writeJSON(w, map[string]any{"openid": "o-" + strings.TrimPrefix(q.Get("js_code"), "good-"), "session_key": "sk", "unionid": "u-1"})
		case q.Get("js_code") == "busy":
			writeJSON(w, map[string]any{"errcode": 45011, "errmsg": "api minute-quota reach limit"})
		default:
			writeJSON(w, map[string]any{"errcode": 40029, "errmsg": "invalid code"})
		}
	})
	mux.HandleFunc("GET /cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.tokenCalls++
		n := f.tokenCalls
		f.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": fmt.Sprintf("tok-%d", n), "expires_in": 7200})
	})
	mux.HandleFunc("POST /cgi-bin/message/subscribe/send", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
			return
		}
		m["access_token"] = r.URL.Query().Get("access_token")
		f.sent = append(f.sent, m)
		to, _ := m["touser"].(string)
		if f.failNext != 0 {
			code := f.failNext
			f.failNext = 0
			writeJSON(w, map[string]any{"errcode": code, "errmsg": "refused once"})
			return
		}
		if code := f.refuse[to]; code != 0 {
			writeJSON(w, map[string]any{"errcode": code, "errmsg": "refused"})
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": len(f.sent)})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	// silenceper/wechat has one process-wide URI hook; these tests run one
	// at a time, each pointing it at its own server.
	util.SetURIModifier(miniprogram.RewriteAPIBase(f.srv.URL))
	t.Cleanup(func() { util.SetURIModifier(nil) })
	return f
}

func (f *fakeWeChat) sends() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.sent...)
}

func (f *fakeWeChat) set(fn func(f *fakeWeChat)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

type harnessOpts struct {
	wechat     bool // configure an app id (real code2session) instead of demo logins
	writeLimit int
	// servicePhone is the company's service line (miniprogram.service_phone).
	servicePhone string
	// cached gives Buyers a BuyerCache, as main wires it, and counts the
	// harness's Redis round trips (harness.redisTrips).
	cached bool
	// photoQuota is the buyers' photo quota (zero: the default).
	photoQuota service.PhotoQuota
}

// harness is orderhub's HTTP server wired as main wires it, on a real
// database and Redis, with WeChat played by a local server.
type harness struct {
	t        *testing.T
	db       *gorm.DB
	rdb      *redis.Client
	prefix   string
	handler  http.Handler
	orders   *service.Orders
	stock    *service.Stock
	catalog  *catalog.Catalog
	tracking *service.Tracking
	tickets  *service.Tickets
	links    *service.LinkRequests
	outbox   *service.Outbox
	stocking *service.Stocking
	clock    *testclock.Clock
	wx       *fakeWeChat
	cfg      config.Config
	// redisTrips counts writes to the Redis sockets, one per command or
	// pipeline (with harnessOpts.cached).
	redisTrips atomic.Int64
	// redisDown makes every Redis command fail, as with the server gone.
	redisDown atomic.Bool
}

func newHarness(t *testing.T, db *gorm.DB, o harnessOpts) *harness {
	t.Helper()
	// 2026-11-24 09:30 in Shanghai.
	clock := testclock.New(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC))
	cfg := config.Default()
	if o.writeLimit > 0 {
		cfg.MiniProgram.WriteLimit = o.writeLimit
	}
	cfg.MiniProgram.ServicePhone = o.servicePhone
	cfg.MiniProgram.Templates = config.Templates{Shipped: "tpl-shipped", Delivered: "tpl-delivered", Delay: "tpl-delay", Ticket: "tpl-ticket", Stocking: "tpl-stocking"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	h := &harness{t: t, db: db, prefix: prefix, clock: clock, cfg: cfg}
	buyers := service.NewBuyers(db, clock.Now)
	// Every connection counts its writes and fails while h.redisDown.
	opts := *rdb.Options()
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h.redisDown.Load() {
			return nil, errors.New("redis down (test)")
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countedConn{Conn: conn, n: &h.redisTrips, down: &h.redisDown}, nil
	}
	rdb = redis.NewClient(&opts)
	t.Cleanup(func() { _ = rdb.Close() })
	if o.cached {
		buyers.WithCache(service.NewBuyerCache(rdb, prefix, modeltest.Log()))
	}
	h.rdb = rdb
	log := modeltest.Log()
	reg := prometheus.NewRegistry()
	pipe := service.NewPipeline(cfg)
	locker := redislock.New(rdb, prefix, time.Second, time.Second, log)
	h.catalog = catalog.NewCatalog(db, cfg.Roles)
	h.stock = service.NewStock(db, clock.Now)
	h.orders = service.NewOrders(db, locker, pipe, clock.Now, cfg.Location(), log, service.NewMetrics(reg))
	h.tracking = service.NewTracking("test-secret-0123456789abcdef0123456789", h.orders)
	srv := web.New(web.Deps{
		Catalog: h.catalog, Stock: h.stock, Orders: h.orders, Transfers: service.NewTransfers(db, pipe, clock.Now),
		AdminToken: adminToken, Location: cfg.Location(), Log: log, Registry: reg, Ready: func(context.Context) error { return nil },
	})
	d := miniprogram.Deps{
		Buyers: buyers, Catalog: h.catalog, Orders: h.orders, Tracking: h.tracking,
		Redis: rdb, Prefix: prefix, Config: cfg.MiniProgram, PublicURL: "https://orders.example.com",
		SessionSecret: []byte("test-session-secret-0123456789abcdef"),
		Location:      cfg.Location(), Log: log, DataDir: t.TempDir(),
		PhotoQuota: o.photoQuota,
	}
	h.wx = newFakeWeChat(t)
	var sub miniprogram.Subscriber
	if o.wechat {
		wc := miniprogram.NewWeChat("wx-test-app", "wx-test-secret", rdb, prefix)
		d.WeChat, sub = wc, wc
	}
	d.Tickets = service.NewTickets(db, pipe, clock.Now, cfg.Location(), cfg.Roles)
	h.tickets = d.Tickets
	d.Links = service.NewLinkRequests(db, buyers, pipe, clock.Now, cfg.Location())
	h.links = d.Links
	d.Notifier = miniprogram.NewNotifier(sub, cfg.MiniProgram, cfg.Location(), log)
	// The one outbox dispatcher, as main wires it; only subscribe messages
	// are queued in these tests.
	h.outbox = service.NewOutbox(db, onlySubscribe{t: t, mp: d.Notifier}, clock.Now, log, reg, service.OutboxOptions{
		Poll: time.Second, BackoffBase: time.Minute, BackoffMax: time.Hour, MaxAttempts: 5, Lease: time.Minute,
	})
	api := miniprogram.New(d)
	api.Mount(srv.Engine(), srv.Staff())
	// The stocking lists, wired after the buyers' API as main wires them.
	h.stocking = service.NewStocking(db, insight.NewInsight(db, clock.Now, cfg.Location(), nil), pipe, clock.Now, cfg.Location(), cfg.Stocking).WithOrders(h.orders)
	api.MountStocking(srv.Engine(), h.stocking)
	h.handler = srv.Handler()
	h.world()
	return h
}

// world: warehouses SH (first) and SZ, staff for every stage with phones,
// a customer company C001, products with stock.
func (h *harness) world() {
	ctx := context.Background()
	for _, w := range []catalog.WarehouseInput{{Code: "SH", Name: "上海仓", Priority: 20}, {Code: "SZ", Name: "苏州仓", Priority: 10}} {
		must(h.catalog.CreateWarehouse(ctx, w))
	}
	must(h.catalog.CreateCustomer(ctx, catalog.CustomerInput{Code: "C001", Name: "宏达机电", Region: "上海", Address: "上海市嘉定区安亭镇"}))
	for _, s := range []catalog.StaffInput{
		{UserID: "cs", Name: "孙丽", Phone: "13800000007", Roles: []string{"customer_service"}},
		{UserID: "keeper", Name: "王建国", Phone: "13800000001", Roles: []string{"keeper"}, Warehouse: "SH"},
		{UserID: "picker", Name: "陈配货", Phone: "13800000002", Roles: []string{"picker"}, Warehouse: "SH"},
		{UserID: "qc", Name: "刘质检", Phone: "13800000003", Roles: []string{"qc"}, Warehouse: "SH"},
		{UserID: "disp", Name: "周发货", Phone: "13800000004", Roles: []string{"dispatcher"}, Warehouse: "SH"},
	} {
		must(h.catalog.CreateStaff(ctx, s))
	}
	for _, p := range []catalog.ProductInput{
		{SKU: "BOLT-M8-30", Name: "六角螺栓", Spec: "M8×30 8.8级", Unit: "盒", PriceFen: 4500},
		{SKU: "NUT-M8", Name: "六角螺母", Spec: "M8", Unit: "盒", PriceFen: 2600},
		{SKU: "FM-SS-80", Name: "不锈钢过滤网", Spec: "80目", Unit: "卷", PriceFen: 86000},
	} {
		must(h.catalog.CreateProduct(ctx, p))
	}
	h.put("SH", "BOLT-M8-30", 60)
	h.put("SZ", "BOLT-M8-30", 40)
	h.put("SH", "NUT-M8", 500)
	h.put("SZ", "FM-SS-80", 3)
}

// countedConn counts its writes: one per Redis command or pipeline; while
// down is set, it fails as a dead server's connection does.
type countedConn struct {
	net.Conn
	n    *atomic.Int64
	down *atomic.Bool
}

func (c countedConn) Write(b []byte) (int, error) {
	if c.down.Load() {
		_ = c.Conn.Close()
		return 0, errors.New("redis down (test)")
	}
	c.n.Add(1)
	return c.Conn.Write(b)
}

func (h *harness) put(wh, sku string, qty int64) {
	must(h.stock.Adjust(context.Background(), service.Adjustment{Warehouse: wh, SKU: sku, Delta: qty, Reason: "test"}))
}

// locked returns how much of sku is locked over all warehouses.
func (h *harness) locked(sku string) int64 {
	h.t.Helper()
	lines, err := h.stock.List(context.Background(), sku)
	if err != nil {
		h.t.Fatal(err)
	}
	var n int64
	for _, l := range lines {
		n += l.Locked
	}
	return n
}

// onlySubscribe sends subscribe messages with the notifier. Anything else
// is a push to staff in WeCom (a buyer's problem tells its holder at once):
// it is taken as sent, and never reaches a buyer.
type onlySubscribe struct {
	t  *testing.T
	mp service.Sender
}

func (o onlySubscribe) Send(ctx context.Context, m service.Outgoing) error {
	if m.MsgType != service.MsgTypeSubscribe {
		return nil
	}
	return o.mp.Send(ctx, m)
}

type resp struct {
	code   int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not JSON: %v: %s", r.code, err, r.body)
	}
	return m
}

// errCode returns error.code of an error response.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (h *harness) do(method, path, token, body string, header ...string) resp {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, req)
	return resp{code: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// login logs a buyer in and returns their token.
func (h *harness) login(code string) string {
	h.t.Helper()
	r := h.do("POST", "/api/mp/v1/login", "", fmt.Sprintf(`{"code":%q}`, code))
	if r.code != http.StatusOK && r.code != http.StatusCreated {
		h.t.Fatalf("login %s: %d %s", code, r.code, r.body)
	}
	tok, _ := r.json(h.t)["token"].(string)
	return tok
}

// order places an order and returns its number.
func (h *harness) order(token, key, lines string) string {
	h.t.Helper()
	r := h.do("POST", "/api/mp/v1/orders", token, `{"lines":`+lines+`,"address":"上海市嘉定区"}`, "Idempotency-Key", key)
	if r.code != http.StatusCreated {
		h.t.Fatalf("order: %d %s", r.code, r.body)
	}
	return orderOf(h.t, r)["no"].(string)
}

func orderOf(t *testing.T, r resp) map[string]any {
	t.Helper()
	o, ok := r.json(t)["order"].(map[string]any)
	if !ok {
		t.Fatalf("no order in %d %s", r.code, r.body)
	}
	return o
}

// advance moves an order one stage on as staff would, with what the next
// stage requires.
func (h *harness) advance(no, to string) {
	h.t.Helper()
	fields := map[string]string{}
	switch to {
	case "confirmed":
		fields["promised_at"] = "2026-11-27 18:00"
	case "qc":
		fields["qc_inspector"] = "刘质检"
	case "shipped":
		fields["carrier"], fields["tracking_no"], fields["waybill_photo"] = "顺丰", "SF1234567890", h.attachWaybill(no)
	}
	// The owner of the stage the order leaves moves it, as in the warehouse.
	by := map[string]string{"confirmed": "cs", "picking": "keeper", "qc": "picker", "packed": "qc", "shipped": "disp", "delivered": "disp"}[to]
	actor := must(h.catalog.StaffActor(context.Background(), by))
	if _, err := h.orders.Advance(context.Background(), service.Move{No: no, To: to, Fields: fields, Actor: actor}); err != nil {
		h.t.Fatalf("advance %s to %s: %v", no, to, err)
	}
}

// attachWaybill records the order's waybill photo as an upload does (the
// file under the data dir, then Orders.Attach) and returns its path: a
// move to shipped may name only a photo attached to the order.
func (h *harness) attachWaybill(no string) string {
	h.t.Helper()
	path := "waybills/" + no + "/test-upload.jpg"
	if _, err := h.orders.Attach(context.Background(), no, service.FieldWaybillPhoto, path, service.Admin); err != nil {
		h.t.Fatalf("attach the waybill of %s: %v", no, err)
	}
	return path
}

func (h *harness) advanceTo(no string, stages ...string) {
	for _, s := range stages {
		h.advance(no, s)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func q(s string) string { return url.QueryEscape(s) }

func serviceCustomer() catalog.CustomerInput {
	return catalog.CustomerInput{Code: "C002", Name: "华东精工五金有限公司", Contact: "张经理", Region: "上海", Address: "上海市松江区九亭镇"}
}
