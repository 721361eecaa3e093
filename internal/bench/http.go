package bench

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"orderhub/config"
	"orderhub/internal/served"
	"orderhub/internal/sim"
)

// benchHTTPOptions are the flags of `orderhub bench http`.
type benchHTTPOptions struct {
	url      string
	token    string
	target   string
	rate     int
	duration time.Duration
	buyers   int
	timeout  time.Duration
	restock  int64
}

// parseBenchHTTP reads the flags of `orderhub bench http`; the defaults of
// --url and --token come from the data dir a local `orderhub serve` writes
// (data/address, data/admin-token) or from ORDERHUB_ADMIN_TOKEN.
func parseBenchHTTP(cfg config.Config, args []string, stderr io.Writer) (benchHTTPOptions, error) {
	fs := flag.NewFlagSet("bench http", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchHTTPOptions
	fs.StringVar(&o.url, "url", served.Address(cfg.DataDir, ""), "base URL of the served orderhub (default: the one <data_dir>/address names)")
	fs.StringVar(&o.token, "token", "", "staff API admin token, to register the bench buyers (default: ORDERHUB_ADMIN_TOKEN or <data_dir>/admin-token)")
	fs.StringVar(&o.target, "target", "orders", "what to load: orders (POST /api/mp/v1/orders) or healthz (GET /healthz, the reference)")
	fs.IntVar(&o.rate, "rate", 200, "requests per second, open loop (sent on schedule whether or not answers came back)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long the attack lasts")
	fs.IntVar(&o.buyers, "buyers", 50, "distinct mini-program buyers the orders are spread over (each logs in once, before the attack)")
	fs.Int64Var(&o.restock, "restock", 0, "before the attack, top every stock row's available up to at least this many units through the staff API (changes the served instance's stock: for bench instances only; 0 = leave stock alone, orders then get 409 once it runs out)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("bench http: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.target != "orders" && o.target != "healthz":
		return o, fmt.Errorf("bench http: --target must be orders or healthz, got %q", o.target)
	case o.rate < 1:
		return o, fmt.Errorf("bench http: --rate must be at least 1, got %d", o.rate)
	case o.duration <= 0:
		return o, fmt.Errorf("bench http: --duration must be above 0, got %s", o.duration)
	case o.buyers < 1:
		return o, fmt.Errorf("bench http: --buyers must be at least 1, got %d", o.buyers)
	case o.restock < 0:
		return o, fmt.Errorf("bench http: --restock must be 0 (off) or above, got %d", o.restock)
	case o.timeout <= 0:
		return o, fmt.Errorf("bench http: --timeout must be above 0, got %s", o.timeout)
	}
	if o.url == "" {
		return o, fmt.Errorf("bench http: no --url and no served orderhub recorded in %s", filepath.Join(cfg.DataDir, served.AddressFile))
	}
	if !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://") {
		return o, fmt.Errorf("bench http: --url must start with http:// or https://, got %q", o.url)
	}
	o.url = strings.TrimRight(o.url, "/")
	if o.token == "" {
		o.token = cfg.AdminToken
	}
	if o.token == "" {
		if b, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin-token")); err == nil {
			o.token = strings.TrimSpace(string(b))
		}
	}
	if o.target == "orders" && o.token == "" {
		return o, errors.New("bench http: --target orders needs the staff API admin token: --token, ORDERHUB_ADMIN_TOKEN or <data_dir>/admin-token")
	}
	return o, nil
}

// benchBuyer is one logged-in mini-program buyer of the bench.
type benchBuyer struct {
	openid string
	token  string
}

// benchHTTP runs `orderhub bench http`: an open-loop load (vegeta) against
// a served orderhub, from outside, through its real HTTP edge.
func benchHTTP(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	o, err := parseBenchHTTP(cfg, args, stderr)
	if err != nil {
		return err
	}
	var targeter vegeta.Targeter
	what := "GET /healthz"
	if o.target == "healthz" {
		targeter = vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: o.url + "/healthz"})
	} else {
		what = "POST /api/mp/v1/orders (1–3 random SKUs, a new Idempotency-Key each)"
		buyers, skus, err := benchBuyers(ctx, o)
		if err != nil {
			return err
		}
		targeter = orderTargeter(o.url, buyers, skus)
	}
	fmt.Fprintf(stdout, "orderhub bench http: %s at %d/s for %s against %s\n", what, o.rate, o.duration, o.url)
	attacker := vegeta.NewAttacker(vegeta.Timeout(o.timeout), vegeta.KeepAlive(true), vegeta.Connections(10000))
	var m vegeta.Metrics
	results := attacker.Attack(targeter, vegeta.Rate{Freq: o.rate, Per: time.Second}, o.duration, "orderhub-"+o.target)
	for {
		select {
		case <-ctx.Done():
			attacker.Stop()
		case r, ok := <-results:
			if !ok {
				m.Close()
				printBenchHTTP(stdout, &m)
				return nil
			}
			m.Add(r)
			continue
		}
		// stopped: drain what is in flight
		for r := range results {
			m.Add(r)
		}
		m.Close()
		printBenchHTTP(stdout, &m)
		return ctx.Err()
	}
}

func printBenchHTTP(w io.Writer, m *vegeta.Metrics) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(w, "requests %d, sent at %.1f/s, %.1f/s succeeded\n", m.Requests, m.Rate, m.Throughput)
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  max %s\n", ms(m.Latencies.P50), ms(m.Latencies.P90), ms(m.Latencies.P99), ms(m.Latencies.Max))
	fmt.Fprintf(w, "success %.2f%%\n", m.Success*100)
	codes := make([]string, 0, len(m.StatusCodes))
	for c := range m.StatusCodes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	fmt.Fprint(w, "status codes:")
	for _, c := range codes {
		name := c
		if c == "0" {
			name = "0 (no answer)"
		}
		fmt.Fprintf(w, " %s×%d", name, m.StatusCodes[c])
	}
	fmt.Fprintln(w)
	for i, e := range m.Errors {
		if i == 5 {
			fmt.Fprintf(w, "  … %d more distinct errors\n", len(m.Errors)-5)
			break
		}
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

// benchBuyers registers one customer per bench buyer (409 = already there,
// from an earlier run), logs each buyer in through the mini-program's
// login (the embedded local WeChat code2session answers dev: codes),
// links it to its customer, and reads the catalog as a buyer sees it.
// Logins happen here, before the attack, so their rate limit
// (ORDERHUB_MP_LOGIN_LIMIT per client address) must allow --buyers.
func benchBuyers(ctx context.Context, o benchHTTPOptions) ([]benchBuyer, []string, error) {
	e, err := sim.NewEdges(o.url, o.token)
	if err != nil {
		return nil, nil, err
	}
	buyers := make([]benchBuyer, o.buyers)
	for i := range buyers {
		code := fmt.Sprintf("BENCH%04d", i+1)
		err := e.Staff(ctx, http.MethodPost, "/customers", map[string]any{"code": code, "name": fmt.Sprintf("压测客户%d", i+1), "region": "上海", "warehouse": "SH"}, nil)
		var ae *sim.APIError
		if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusConflict) {
			return nil, nil, fmt.Errorf("bench customer %s: %w", code, err)
		}
		b := benchBuyer{openid: fmt.Sprintf("dev:bench-buyer-%04d", i+1)}
		var login struct {
			Token string `json:"token"`
		}
		if err := e.JSON(ctx, http.MethodPost, "/api/mp/v1/login", "", nil, map[string]string{"code": b.openid}, &login); err != nil {
			if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
				return nil, nil, fmt.Errorf("bench buyer login %d of %d refused by the login rate limit: serve with ORDERHUB_MP_LOGIN_LIMIT >= --buyers (%d): %w", i+1, o.buyers, o.buyers, err)
			}
			return nil, nil, fmt.Errorf("bench buyer login %s: %w", b.openid, err)
		}
		if login.Token == "" {
			return nil, nil, fmt.Errorf("bench buyer login %s: no token in the answer", b.openid)
		}
		b.token = login.Token
		if err := e.Staff(ctx, http.MethodPost, "/buyers/"+b.openid+"/link", map[string]string{"customer": code}, nil); err != nil {
			return nil, nil, fmt.Errorf("link bench buyer %s: %w", b.openid, err)
		}
		buyers[i] = b
	}
	if o.restock > 0 {
		if err := benchRestock(ctx, e, o.restock); err != nil {
			return nil, nil, err
		}
	}
	var cat struct {
		Items []struct {
			SKU string `json:"sku"`
		} `json:"items"`
	}
	if err := e.JSON(ctx, http.MethodGet, "/api/mp/v1/products?size=100", buyers[0].token, nil, nil, &cat); err != nil {
		return nil, nil, fmt.Errorf("bench catalog: %w", err)
	}
	skus := make([]string, 0, len(cat.Items))
	for _, p := range cat.Items {
		skus = append(skus, p.SKU)
	}
	if len(skus) == 0 {
		return nil, nil, errors.New("bench: the catalog is empty: seed the demo company first")
	}
	return buyers, skus, nil
}

// orderTargeter makes each request a new order: the next buyer in turn,
// 1–3 distinct random SKUs of 1–3 units, a fresh Idempotency-Key.
func orderTargeter(base string, buyers []benchBuyer, skus []string) vegeta.Targeter {
	var n atomic.Uint64
	run := make([]byte, 6)
	_, _ = crand.Read(run)
	prefix := "bench-" + hex.EncodeToString(run) + "-"
	url := base + "/api/mp/v1/orders"
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		b := buyers[int(i%uint64(len(buyers)))]
		type line struct {
			SKU string `json:"sku"`
			Qty int    `json:"qty"`
		}
		pick := rand.Perm(len(skus))[:min(len(skus), 1+rand.IntN(3))]
		lines := make([]line, len(pick))
		for j, k := range pick {
			lines[j] = line{SKU: skus[k], Qty: 1 + rand.IntN(3)}
		}
		body, err := json.Marshal(map[string]any{"address": "上海市嘉定区压测路1号", "lines": lines})
		if err != nil {
			return err
		}
		t.Method, t.URL, t.Body = http.MethodPost, url, body
		t.Header = http.Header{
			"Content-Type":    []string{"application/json"},
			"Authorization":   []string{"Bearer " + b.token},
			"Idempotency-Key": []string{fmt.Sprintf("%s%d", prefix, i)},
		}
		return nil
	}
}

// benchRestock tops every stock row's available up to at least min units
// with the staff API's stock adjustment, so the attack measures placement
// rather than refusals for want of stock.
func benchRestock(ctx context.Context, e *sim.Edges, min int64) error {
	var stock struct {
		Items []struct {
			Warehouse string `json:"warehouse"`
			SKU       string `json:"sku"`
			Available int64  `json:"available"`
		} `json:"items"`
	}
	if err := e.Staff(ctx, http.MethodGet, "/stock", nil, &stock); err != nil {
		return fmt.Errorf("bench restock: %w", err)
	}
	for _, r := range stock.Items {
		if r.Available >= min {
			continue
		}
		err := e.Staff(ctx, http.MethodPost, "/stock/adjust", map[string]any{"warehouse": r.Warehouse, "sku": r.SKU, "delta": min - r.Available, "reason": "bench http restock"}, nil)
		if err != nil {
			return fmt.Errorf("bench restock %s %s: %w", r.Warehouse, r.SKU, err)
		}
	}
	return nil
}
