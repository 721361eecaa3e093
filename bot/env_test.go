package bot_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/silenceper/wechat/v2/util"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/web"
)

const (
	testCorp   = "wwtestcorp"
	testSecret = "test-secret"
	testAgent  = 1000002
)

// env is one orderhub bot on a real database and Redis, talking to a local
// WeCom-compatible server.
type env struct {
	t      testing.TB
	db     *gorm.DB
	clock  *testclock.Clock
	wecom  *localwecom.Server
	crypto *bot.Crypto
	orders *service.Orders
	trans  *service.Transfers
	inst   []*instance
	msgID  atomic.Int64
	// ocr reads slip photos (nil: no engine configured).
	ocr     service.OCR
	intakes *service.Intakes
	// buyers and links: buyers' link requests (关联).
	buyers *service.Buyers
	links  *service.LinkRequests
}

// instance is one orderhub process: its own callback, runner and outbox
// dispatcher over the shared database and Redis.
type instance struct {
	engine *gin.Engine
	runner *bot.Runner
	outbox *service.Outbox
	inbox  *service.Inbox
}

func newEnv(t testing.TB, db *gorm.DB, instances int) *env {
	t.Helper()
	return newEnvOCR(t, db, instances, nil)
}

// newEnvOCR is newEnv with an OCR engine for slip photos.
func newEnvOCR(t testing.TB, db *gorm.DB, instances int, ocr service.OCR) *env {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	rdb, prefix := modeltest.Redis(t)
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, ocr: ocr, clock: testclock.New(time.Now().UTC().Truncate(time.Second))}
	e.msgID.Store(time.Now().UnixNano() % 1e12)
	e.wecom = localwecom.New(testCorp, testSecret)
	ts := httptest.NewServer(e.wecom)
	t.Cleanup(ts.Close)
	// silenceper/wechat's URI rewrite is process-wide: tests in this
	// package do not run in parallel.
	util.SetURIModifier(bot.RewriteAPIBase(ts.URL))
	var err error
	aesKey := "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	if e.crypto, err = bot.NewCrypto("QDG6eK", aesKey, testCorp); err != nil {
		t.Fatal(err)
	}
	log := modeltest.Log()
	pipe := service.NewPipeline(cfg)
	metrics := service.NewMetrics(prometheus.NewRegistry())
	locker := redislock.New(rdb, prefix, time.Second, time.Second, log)
	cat := catalog.NewCatalog(db, cfg.Roles)
	stock := service.NewStock(db, e.clock.Now)
	e.orders = service.NewOrders(db, locker, pipe, e.clock.Now, cfg.Location(), log, metrics)
	e.trans = service.NewTransfers(db, pipe, e.clock.Now)
	if _, err := demo.NewCompany(db, cat, stock, e.orders, e.clock.Now).Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	tickets := service.NewTickets(db, pipe, e.clock.Now, cfg.Location(), cfg.Roles)
	e.intakes = service.NewIntakes(db, e.orders, e.clock.Now, service.NewChannels(map[string]config.Channel{"shop": {Name: "网店", Secret: channelSecret}}), "customer_service", 30*time.Minute)
	e.buyers = service.NewBuyers(db, e.clock.Now)
	e.links = service.NewLinkRequests(db, e.buyers, pipe, e.clock.Now, cfg.Location())
	dataDir := t.TempDir()
	for i := 0; i < instances; i++ {
		wc := bot.NewWeCom(testCorp, testSecret, testAgent, rdb, prefix, cfg.Location())
		ob := service.NewOutbox(db, wc, e.clock.Now, log, prometheus.NewRegistry(), service.OutboxOptions{
			Poll: time.Second, BackoffBase: time.Second, BackoffMax: 8 * time.Second, MaxAttempts: 30, Lease: time.Minute, Batch: 16})
		inbox := service.NewInbox(db, e.clock.Now)
		b := bot.New(bot.Deps{Catalog: cat, Stock: stock, Orders: e.orders, Transfers: e.trans, Tickets: tickets,
			Todos: service.NewTodos(db, pipe, tickets, e.trans), Inbox: inbox, Media: wc, OCR: e.ocr,
			Intakes: e.intakes, Links: e.links, Redis: rdb, Prefix: prefix,
			DataDir: dataDir, Location: cfg.Location(), Log: log, Clock: e.clock.Now})
		runner := bot.NewRunner(b, inbox, ob.Poke, log, bot.RunnerOptions{Lease: 30 * time.Second, MaxAttempts: 3})
		g := gin.New()
		bot.NewCallback(e.crypto, inbox, runner, rdb, prefix, e.clock.Now, log).Mount(g)
		web.MountOutbox(g.Group("/api/v1"), ob, cfg.Location(), modeltest.Log())
		e.inst = append(e.inst, &instance{engine: g, runner: runner, outbox: ob, inbox: inbox})
	}
	return e
}

type wxMsg struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content,omitempty"`
	MediaID      string   `xml:"MediaId,omitempty"`
	Event        string   `xml:"Event,omitempty"`
	MsgID        string   `xml:"MsgId,omitempty"`
}

// post signs and encrypts m as WeCom does and posts it to instance i.
func (e *env) post(i int, m wxMsg) *httptest.ResponseRecorder {
	e.t.Helper()
	m.ToUserName = testCorp
	if m.CreateTime == 0 {
		m.CreateTime = e.clock.Now().Unix()
	}
	plain, _ := xml.Marshal(m)
	enc, err := e.crypto.Encrypt(plain)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.postRaw(i, enc, fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID>1</AgentID></xml>", testCorp, enc), e.clock.Now().Unix())
}

func (e *env) postRaw(i int, enc, body string, ts int64) *httptest.ResponseRecorder {
	tss := strconv.FormatInt(ts, 10)
	q := url.Values{"msg_signature": {e.crypto.Sign(tss, "42", enc)}, "timestamp": {tss}, "nonce": {"42"}}
	req := httptest.NewRequest(http.MethodPost, "/wecom/callback?"+q.Encode(), strings.NewReader(body))
	rec := httptest.NewRecorder()
	e.inst[i].engine.ServeHTTP(rec, req)
	return rec
}

func (e *env) text(user, content string) wxMsg {
	return wxMsg{FromUserName: user, MsgType: "text", Content: content, MsgID: strconv.FormatInt(e.msgID.Add(1), 10)}
}

// settle runs what the callbacks queued and sends what the outbox holds.
func (e *env) settle() {
	e.t.Helper()
	ctx := context.Background()
	for _, in := range e.inst {
		in.runner.Drain(ctx)
	}
	for _, in := range e.inst {
		for {
			n, err := in.outbox.DispatchOnce(ctx)
			if err != nil {
				e.t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}
}

// say sends a text as user, settles, and returns the replies user got.
func (e *env) say(user, content string) []string {
	e.t.Helper()
	before := len(e.wecom.Sent())
	if rec := e.post(0, e.text(user, content)); rec.Code != http.StatusOK {
		e.t.Fatalf("callback answered %d: %s", rec.Code, rec.Body)
	}
	e.settle()
	return e.repliesTo(user, before)
}

func (e *env) repliesTo(user string, after int) []string {
	var out []string
	for _, m := range e.wecom.Sent()[after:] {
		if m.ToUser == user {
			out = append(out, m.Content)
		}
	}
	return out
}

func (e *env) count(q *gorm.DB) int64 {
	var n int64
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// orderIn returns the number of a demo order in stage.
func (e *env) orderIn(stage string) string {
	e.t.Helper()
	var o model.Order
	if err := e.db.Where("stage = ?", stage).Order("id").First(&o).Error; err != nil {
		e.t.Fatalf("no order in %s: %v", stage, err)
	}
	return o.No
}

func newCrypto(token, key, corp string) (*bot.Crypto, error) { return bot.NewCrypto(token, key, corp) }
