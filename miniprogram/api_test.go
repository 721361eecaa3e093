package miniprogram_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

func TestLoginDemo(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		first := h.do("POST", "/api/mp/v1/login", "", `{"code":"dev:zhang"}`)
		if first.code != http.StatusCreated {
			t.Fatalf("first login = %d %s, want 201", first.code, first.body)
		}
		again := h.do("POST", "/api/mp/v1/login", "", `{"code":"dev:zhang"}`)
		if again.code != http.StatusOK {
			t.Fatalf("second login = %d, want 200", again.code)
		}
		c1 := first.json(t)["customer"].(map[string]any)["code"]
		c2 := again.json(t)["customer"].(map[string]any)["code"]
		if c1 != c2 || !strings.HasPrefix(c1.(string), "MP-") {
			t.Fatalf("customers %v and %v: the same buyer must map to the same MP- customer", c1, c2)
		}
		t1, t2 := first.json(t)["token"].(string), again.json(t)["token"].(string)
		if t1 == t2 || len(t1) < 40 {
			t.Fatalf("tokens %q, %q: want distinct random tokens", t1, t2)
		}
		for _, tok := range []string{t1, t2} {
			if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusOK {
				t.Fatalf("me with a fresh token = %d", r.code)
			}
		}
		// Tokens are signed, verifiable without Redis; Redis holds no
		// session (only revocations, on logout), never a token.
		keys, err := h.rdb.Keys(context.Background(), h.prefix+"*").Result()
		if err != nil || !strings.HasPrefix(t1, "mp2.") {
			t.Fatalf("keys = %v, %v; token %s", keys, err, t1)
		}
		for _, k := range keys {
			if strings.Contains(k, t1) || strings.Contains(k, t2) {
				t.Fatalf("session key %s contains the token", k)
			}
			ttl := h.rdb.TTL(context.Background(), k).Val()
			if ttl <= 0 || ttl > h.cfg.MiniProgram.SessionTTL.D() {
				t.Fatalf("session ttl = %v", ttl)
			}
		}
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"real code without app id", `{"code":"081abcDEF"}`, 401, "wechat_not_configured"},
			{"dev without name", `{"code":"dev:"}`, 401, "wechat_not_configured"},
			{"empty code", `{"code":""}`, 400, "invalid_code"},
			{"malformed", `{"code":`, 400, "malformed_json"},
			{"unknown field", `{"code":"dev:a","x":1}`, 400, "malformed_json"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", "/api/mp/v1/login", "", tc.body)
				if r.code != tc.status || r.errCode(t) != tc.code {
					t.Fatalf("= %d %s, want %d %s", r.code, r.body, tc.status, tc.code)
				}
			})
		}
	})
}

func TestLoginWeChat(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		r := h.do("POST", "/api/mp/v1/login", "", `{"code":"good-alice"}`)
		if r.code != http.StatusCreated {
			t.Fatalf("login = %d %s", r.code, r.body)
		}
		if got := r.json(t)["buyer"].(map[string]any)["openid"]; got != "o-alice" {
			t.Fatalf("openid = %v, want o-alice from code2session", got)
		}
		for _, tc := range []struct {
			name, code string
			errcode    float64
		}{
			{"bad code", "nope", 40029},
			{"rate limited by wechat", "busy", 45011},
			// Once an app id is set, demo codes are just bad codes.
			{"demo code refused", "dev:zhang", 40029},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", "/api/mp/v1/login", "", fmt.Sprintf(`{"code":%q}`, tc.code))
				if r.code != http.StatusUnauthorized || r.errCode(t) != "wechat_login_failed" {
					t.Fatalf("= %d %s, want 401 wechat_login_failed", r.code, r.body)
				}
				if got := r.json(t)["error"].(map[string]any)["wechat_errcode"]; got != tc.errcode {
					t.Fatalf("wechat_errcode = %v, want %v", got, tc.errcode)
				}
			})
		}
		var n int64
		db.Model(&model.Buyer{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d buyers, want 1: refused logins create nobody", n)
		}
	})
}

func TestAuthRefusals(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		for _, tc := range []struct{ name, header string }{
			{"none", ""},
			{"not bearer", "Basic " + tok},
			{"unknown token", "Bearer mp_0000"},
			{"admin token is not a buyer", "Bearer " + adminToken},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("GET", "/api/mp/v1/orders", "", "", "Authorization", tc.header)
				if r.code != http.StatusUnauthorized || r.errCode(t) != "unauthorized" {
					t.Fatalf("= %d %s, want 401", r.code, r.body)
				}
			})
		}
		// A forged or tampered token is refused (expiry: TestSessionExpiry);
		// so is a logged-out one.
		for _, bad := range []string{tok[:len(tok)-2] + "AA", strings.Replace(tok, "mp2.A", "mp2.B", 1)} {
			if r := h.do("GET", "/api/mp/v1/me", bad, ""); r.code != http.StatusUnauthorized {
				t.Fatalf("tampered token = %d, want 401", r.code)
			}
		}
		h.do("POST", "/api/mp/v1/logout", tok, "")
		if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusUnauthorized {
			t.Fatalf("after expiry = %d, want 401", r.code)
		}
		// Buyer endpoints of staff need the admin token, not a buyer's.
		tok = h.login("dev:zhang")
		if r := h.do("GET", "/api/v1/buyers", tok, ""); r.code != http.StatusUnauthorized {
			t.Fatalf("staff endpoint with buyer token = %d, want 401", r.code)
		}
	})
}

func TestProductsLiveAvailable(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		avail := func(q string) map[string]float64 {
			r := h.do("GET", "/api/mp/v1/products?q="+q, tok, "")
			if r.code != http.StatusOK {
				t.Fatalf("products = %d %s", r.code, r.body)
			}
			out := map[string]float64{}
			for _, it := range r.json(t)["items"].([]any) {
				m := it.(map[string]any)
				out[m["sku"].(string)] = m["available"].(float64)
				if m["name"] == "" || m["unit"] == "" || m["price_fen"].(float64) <= 0 {
					t.Fatalf("item %v lacks name, unit or price", m)
				}
			}
			return out
		}
		if got := avail("M8"); got["BOLT-M8-30"] != 100 || got["NUT-M8"] != 500 || len(got) != 2 {
			t.Fatalf("search M8 = %v", got)
		}
		if got := avail(q("过滤网")); got["FM-SS-80"] != 3 || len(got) != 1 {
			t.Fatalf("search 过滤网 = %v", got)
		}
		if got := avail(q("8.8级")); len(got) != 1 {
			t.Fatalf("search by spec = %v", got)
		}
		h.order(tok, "k1", `[{"sku":"BOLT-M8-30","qty":70}]`)
		if got := avail("BOLT"); got["BOLT-M8-30"] != 30 {
			t.Fatalf("after ordering 70 of 100, available = %v, want 30", got["BOLT-M8-30"])
		}
		if r := h.do("GET", "/api/mp/v1/products?page=0", tok, ""); r.code != 400 {
			t.Fatalf("page=0 = %d, want 400", r.code)
		}
	})
}

func TestCreateOrderAndReplay(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		body := `{"lines":[{"sku":"bolt-m8-30","qty":70},{"sku":"NUT-M8","qty":5}],"address":"上海市嘉定区","remark":"下午送"}`
		r := h.do("POST", "/api/mp/v1/orders", tok, body, "Idempotency-Key", "key-1")
		if r.code != http.StatusCreated {
			t.Fatalf("create = %d %s", r.code, r.body)
		}
		o := orderOf(t, r)
		if o["stage"] != "submitted" || o["stage_name"] != "待确认" || o["total_fen"].(float64) != 70*4500+5*2600 {
			t.Fatalf("order = %v", o)
		}
		if !strings.HasPrefix(o["tracking_url"].(string), "https://orders.example.com/t/"+o["no"].(string)+".") {
			t.Fatalf("tracking_url = %v", o["tracking_url"])
		}
		if h.locked("BOLT-M8-30") != 70 || h.locked("NUT-M8") != 5 {
			t.Fatalf("locked %d / %d, want 70 / 5", h.locked("BOLT-M8-30"), h.locked("NUT-M8"))
		}
		again := h.do("POST", "/api/mp/v1/orders", tok, body, "Idempotency-Key", "key-1")
		if again.code != http.StatusOK || again.header.Get("Idempotent-Replayed") != "true" || orderOf(t, again)["no"] != o["no"] {
			t.Fatalf("replay = %d %s", again.code, again.body)
		}
		if h.locked("BOLT-M8-30") != 70 {
			t.Fatalf("replay reserved more: locked %d", h.locked("BOLT-M8-30"))
		}
		other := h.do("POST", "/api/mp/v1/orders", tok, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", "key-1")
		if other.code != http.StatusConflict || other.errCode(t) != "idempotency_key_reused" {
			t.Fatalf("key reused for another order = %d %s", other.code, other.body)
		}
		// Fields that join to the same text are different requests.
		if r := h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":1}],"address":"a|b"}`, "Idempotency-Key", "key-2"); r.code != http.StatusCreated {
			t.Fatalf("create = %d %s", r.code, r.body)
		}
		if r := h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":1}],"address":"a","remark":"b|"}`, "Idempotency-Key", "key-2"); r.code != http.StatusConflict {
			t.Fatalf("a different body whose fields join alike = %d %s, want 409", r.code, r.body)
		}
		if r := h.do("POST", "/api/mp/v1/orders", tok, body); r.code != 400 || r.errCode(t) != "idempotency_key_required" {
			t.Fatalf("no key = %d %s", r.code, r.body)
		}
	})
}

func TestCreateOrderConcurrentRetries(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{writeLimit: 1000})
		tok := h.login("dev:zhang")
		const n = 16
		var wg sync.WaitGroup
		nos := make([]string, n)
		codes := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := h.do("POST", "/api/mp/v1/orders", tok, `{"address":"上海市嘉定区","lines":[{"sku":"BOLT-M8-30","qty":30}]}`, "Idempotency-Key", "retry-storm")
				codes[i] = r.code
				if r.code < 300 {
					nos[i] = orderOf(t, r)["no"].(string)
				}
			}()
		}
		wg.Wait()
		created := 0
		for i := range n {
			if codes[i] == http.StatusCreated {
				created++
			} else if codes[i] != http.StatusOK {
				t.Fatalf("retry %d = %d", i, codes[i])
			}
			if nos[i] != nos[0] {
				t.Fatalf("retries got orders %s and %s", nos[0], nos[i])
			}
		}
		var orders int64
		db.Model(&model.Order{}).Count(&orders)
		if created != 1 || orders != 1 || h.locked("BOLT-M8-30") != 30 {
			t.Fatalf("created %d, %d orders, locked %d; want one order locking 30", created, orders, h.locked("BOLT-M8-30"))
		}
	})
}

func TestCreateOrderRefusals(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{writeLimit: 1000})
		tok := h.login("dev:zhang")
		many := make([]string, 201)
		for i := range many {
			many[i] = `{"sku":"NUT-M8","qty":1}`
		}
		for i, tc := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"not enough stock", `{"address":"上海市嘉定区","lines":[{"sku":"BOLT-M8-30","qty":101},{"sku":"NUT-M8","qty":1}]}`, 409, "insufficient_stock"},
			{"qty zero", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":0}]}`, 422, "invalid_qty"},
			{"qty negative", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":-3}]}`, 422, "invalid_qty"},
			{"qty fraction", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1.5}]}`, 422, "invalid_qty"},
			{"qty string", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":"x"}]}`, 422, "invalid_qty"},
			{"qty digits in a string (one rule with the staff API)", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":"3"}]}`, 422, "invalid_qty"},
			{"unknown sku", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1},{"sku":"NOPE","qty":1}]}`, 422, "unknown_sku"},
			{"no lines", `{"address":"上海市嘉定区","lines":[]}`, 422, "no_lines"},
			{"too many lines", `{"address":"上海市嘉定区","lines":[` + strings.Join(many, ",") + `]}`, 422, "too_many_lines"},
			{"malformed", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}`, 400, "malformed_json"},
			{"unknown field", `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}],"customer":"C001"}`, 400, "malformed_json"},
			{"empty body", ``, 400, "malformed_json"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", "/api/mp/v1/orders", tok, tc.body, "Idempotency-Key", "refusal-"+strconv.Itoa(i))
				if r.code != tc.status || r.errCode(t) != tc.code {
					t.Fatalf("= %d %s, want %d %s", r.code, r.body, tc.status, tc.code)
				}
				if tc.code == "insufficient_stock" {
					av := r.json(t)["error"].(map[string]any)["available"].([]any)
					line := av[0].(map[string]any)
					if len(av) != 1 || line["sku"] != "BOLT-M8-30" || line["want"].(float64) != 101 || line["available"].(float64) != 100 {
						t.Fatalf("available = %v", av)
					}
				}
				if h.locked("BOLT-M8-30") != 0 || h.locked("NUT-M8") != 0 {
					t.Fatal("a refused order reserved stock")
				}
			})
		}
		var orders int64
		db.Model(&model.Order{}).Count(&orders)
		if orders != 0 {
			t.Fatalf("%d orders after refusals", orders)
		}
	})
}

func TestBodyCap(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		big := `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}],"remark":"` + strings.Repeat("长", 30000) + `"}`
		r := h.do("POST", "/api/mp/v1/orders", tok, big, "Idempotency-Key", "big")
		if r.code != http.StatusRequestEntityTooLarge || r.errCode(t) != "body_too_large" {
			t.Fatalf("= %d %s, want 413", r.code, r.body)
		}
	})
}

func TestMineOnly(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		zhang, li := h.login("dev:zhang"), h.login("dev:li")
		a1 := h.order(zhang, "z1", `[{"sku":"NUT-M8","qty":1}]`)
		a2 := h.order(zhang, "z2", `[{"sku":"NUT-M8","qty":2}]`)
		b1 := h.order(li, "l1", `[{"sku":"NUT-M8","qty":3}]`)

		r := h.do("GET", "/api/mp/v1/orders", zhang, "")
		items := r.json(t)["items"].([]any)
		if r.code != 200 || len(items) != 2 || items[0].(map[string]any)["no"] != a2 || items[1].(map[string]any)["no"] != a1 {
			t.Fatalf("zhang's list = %d %s; want %s, %s newest first", r.code, r.body, a2, a1)
		}
		if r := h.do("GET", "/api/mp/v1/orders?page=2&size=1", zhang, ""); len(r.json(t)["items"].([]any)) != 1 || r.json(t)["total"].(float64) != 2 {
			t.Fatalf("paging = %s", r.body)
		}
		for _, tc := range []struct{ method, path string }{
			{"GET", "/api/mp/v1/orders/" + b1},
			{"POST", "/api/mp/v1/orders/" + b1 + "/cancel"},
			{"POST", "/api/mp/v1/orders/" + b1 + "/confirm-receipt"},
			{"GET", "/api/mp/v1/orders/SO20991231-999999"},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				r := h.do(tc.method, tc.path, zhang, "")
				if r.code != http.StatusNotFound || r.errCode(t) != "order_not_found" {
					t.Fatalf("= %d %s, want 404", r.code, r.body)
				}
			})
		}
		if d := must(h.orders.Get(context.Background(), b1)); d.Order.Stage != "submitted" {
			t.Fatalf("li's order is %s after zhang's attempts", d.Order.Stage)
		}
	})
}

func TestDetailETAOwnerTracking(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		no := h.order(tok, "k", `[{"sku":"NUT-M8","qty":2}]`)
		get := func() map[string]any {
			r := h.do("GET", "/api/mp/v1/orders/"+no, tok, "")
			if r.code != 200 {
				t.Fatalf("detail = %d %s", r.code, r.body)
			}
			return orderOf(t, r)
		}
		o := get()
		// Estimated: submitted 2 h + confirmed 4 + picking 4 + qc 2 + packed 4
		// + shipped 48 = 64 h from 09:30 on the 24th, Shanghai time.
		eta := o["eta"].(map[string]any)
		if eta["kind"] != "estimated" || eta["at"] != "2026-11-27T01:30:00+08:00" {
			t.Fatalf("eta = %v", eta)
		}
		if owner := o["owner"].(map[string]any); owner["name"] != "孙丽" || owner["phone"] != "13800000007" {
			t.Fatalf("owner = %v, want customer service 孙丽 and her phone", owner)
		}
		if tl := o["timeline"].([]any); len(tl) != 1 || tl[0].(map[string]any)["by"] != "您" { // the buyer's own step, not their login name
			t.Fatalf("timeline = %v", tl)
		}
		h.clock.Add(30 * 60e9)
		h.advance(no, "confirmed")
		o = get()
		eta = o["eta"].(map[string]any)
		if eta["kind"] != "promised" || eta["at"] != "2026-11-27T18:00:00+08:00" || eta["late"] != false {
			t.Fatalf("eta after promise = %v", eta)
		}
		if o["owner"].(map[string]any)["name"] != "王建国" {
			t.Fatalf("owner after confirm = %v", o["owner"])
		}
		h.advanceTo(no, "picking", "qc", "packed")
		// Three days later it is still packed: 4 h packing and 48 h on the
		// road would miss the promise, and the ETA says so.
		h.clock.Add(72 * 3600e9)
		if eta := get()["eta"].(map[string]any); eta["kind"] != "promised" || eta["late"] != true {
			t.Fatalf("eta of a stalled order = %v, want late", eta)
		}
		h.advance(no, "shipped")
		o = get()
		if o["carrier"] != "顺丰" || o["tracking_no"] != "SF1234567890" || o["can_confirm_receipt"] != true || o["can_cancel"] != false {
			t.Fatalf("shipped order = %v", o)
		}
		tl := o["timeline"].([]any)
		last := tl[len(tl)-1].(map[string]any)
		if len(tl) != 6 || last["stage"] != "shipped" || last["stage_name"] != "已发货" || last["by"] != "发货 · 周发货" {
			t.Fatalf("timeline = %v", tl)
		}
		var steps []string
		for _, s := range o["progress"].([]any) {
			steps = append(steps, s.(map[string]any)["state"].(string))
		}
		if strings.Join(steps, ",") != "done,done,done,done,done,current,todo" {
			t.Fatalf("progress = %v", steps)
		}
	})
}

func TestCancel(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		no := h.order(tok, "k1", `[{"sku":"BOLT-M8-30","qty":80}]`)
		if h.locked("BOLT-M8-30") != 80 {
			t.Fatal("not locked")
		}
		r := h.do("POST", "/api/mp/v1/orders/"+no+"/cancel", tok, `{"reason":"买错了"}`)
		if r.code != 200 || orderOf(t, r)["stage"] != "cancelled" || orderOf(t, r)["stage_name"] != "已取消" || orderOf(t, r)["eta"] != nil {
			t.Fatalf("cancel = %d %s", r.code, r.body)
		}
		if h.locked("BOLT-M8-30") != 0 {
			t.Fatalf("cancel left %d locked", h.locked("BOLT-M8-30"))
		}
		if r := h.do("POST", "/api/mp/v1/orders/"+no+"/cancel", tok, ""); r.code != 409 || r.errCode(t) != "already_cancelled" {
			t.Fatalf("cancel again = %d %s", r.code, r.body)
		}
		late := h.order(tok, "k2", `[{"sku":"NUT-M8","qty":1}]`)
		h.advanceTo(late, "confirmed", "picking")
		if r := h.do("POST", "/api/mp/v1/orders/"+late+"/cancel", tok, ""); r.code != 409 || r.errCode(t) != "not_cancellable" {
			t.Fatalf("cancel while picking = %d %s", r.code, r.body)
		}
		if h.locked("NUT-M8") != 1 {
			t.Fatal("a refused cancel released stock")
		}
	})
}

func TestConfirmReceipt(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		no := h.order(tok, "k", `[{"sku":"NUT-M8","qty":1}]`)
		path := "/api/mp/v1/orders/" + no + "/confirm-receipt"
		if r := h.do("POST", path, tok, ""); r.code != 409 || r.errCode(t) != "not_shipped" {
			t.Fatalf("confirm before shipping = %d %s", r.code, r.body)
		}
		h.advanceTo(no, "confirmed", "picking", "qc", "packed")
		if r := h.do("POST", path, tok, ""); r.code != 409 || r.errCode(t) != "not_shipped" {
			t.Fatalf("confirm when packed = %d %s", r.code, r.body)
		}
		h.advance(no, "shipped")
		r := h.do("POST", path, tok, `{"note":"货已收到"}`)
		if r.code != 200 {
			t.Fatalf("confirm = %d %s", r.code, r.body)
		}
		o := orderOf(t, r)
		tl := o["timeline"].([]any)
		last := tl[len(tl)-1].(map[string]any)
		if o["stage"] != "delivered" || o["eta"] != nil || o["owner"] != nil || last["by"] != "您" || !strings.Contains(last["note"].(string), "货已收到") {
			t.Fatalf("delivered order = %v", o)
		}
		if r := h.do("POST", path, tok, ""); r.code != 409 || r.errCode(t) != "already_delivered" {
			t.Fatalf("confirm twice = %d %s", r.code, r.body)
		}
	})
}

func TestRateLimit(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{writeLimit: 3})
		zhang, li := h.login("dev:zhang"), h.login("dev:li")
		for i := range 3 {
			if r := h.do("POST", "/api/mp/v1/orders", zhang, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", fmt.Sprint("rl", i)); r.code != 201 {
				t.Fatalf("write %d = %d", i, r.code)
			}
		}
		r := h.do("POST", "/api/mp/v1/orders", zhang, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", "rl-over")
		if r.code != http.StatusTooManyRequests || r.errCode(t) != "rate_limited" {
			t.Fatalf("4th write = %d %s, want 429", r.code, r.body)
		}
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
		}
		if h.locked("NUT-M8") != 3 {
			t.Fatalf("locked %d: a limited write went through", h.locked("NUT-M8"))
		}
		// Reads are not limited, and the limit is per buyer.
		if r := h.do("GET", "/api/mp/v1/orders", zhang, ""); r.code != 200 {
			t.Fatalf("read while limited = %d", r.code)
		}
		if r := h.do("POST", "/api/mp/v1/orders", li, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", "li"); r.code != 201 {
			t.Fatalf("another buyer = %d", r.code)
		}
		// The count lives in Redis: when the window ends, writes go on.
		keys := h.rdb.Keys(context.Background(), h.prefix+"mp:ratelimit:*").Val()
		if len(keys) != 2 {
			t.Fatalf("rate limit keys = %v", keys)
		}
		h.rdb.Del(context.Background(), keys...)
		if r := h.do("POST", "/api/mp/v1/orders", zhang, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":1}]}`, "Idempotency-Key", "rl-after"); r.code != 201 {
			t.Fatalf("after the window = %d", r.code)
		}
	})
}

func TestStaffLinkBuyer(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		own := h.order(tok, "k", `[{"sku":"NUT-M8","qty":1}]`)
		admin := func(method, path, body string) resp { return h.do(method, path, adminToken, body) }
		if r := admin("POST", "/api/v1/buyers/dev:zhang/link", `{"customer":"NOPE"}`); r.code != 422 || r.errCode(t) != "unknown_customer" {
			t.Fatalf("link to unknown customer = %d %s", r.code, r.body)
		}
		if r := admin("POST", "/api/v1/buyers/o-nobody/link", `{"customer":"C001"}`); r.code != 404 || r.errCode(t) != "buyer_not_found" {
			t.Fatalf("link unknown buyer = %d %s", r.code, r.body)
		}
		r := admin("POST", "/api/v1/buyers/dev:zhang/link", `{"customer":"c001"}`)
		if r.code != 200 || r.json(t)["buyer"].(map[string]any)["customer"].(map[string]any)["name"] != "宏达机电" {
			t.Fatalf("link = %d %s", r.code, r.body)
		}
		// From now on the buyer orders for 宏达机电 and sees its orders;
		// the order placed before the link stays with their own customer.
		me := h.do("GET", "/api/mp/v1/me", tok, "").json(t)["buyer"].(map[string]any)["customer"].(map[string]any)
		if me["code"] != "C001" {
			t.Fatalf("me after link = %v", me)
		}
		no := h.order(tok, "k2", `[{"sku":"NUT-M8","qty":1}]`)
		if d := must(h.orders.Get(context.Background(), no)); d.Customer.Code != "C001" {
			t.Fatalf("order after link is for %s", d.Customer.Code)
		}
		if r := h.do("GET", "/api/mp/v1/orders/"+own, tok, ""); r.code != 404 {
			t.Fatalf("the pre-link order = %d, want 404 (it belongs to the buyer's old customer)", r.code)
		}
		list := admin("GET", "/api/v1/buyers?customer=C001", "")
		if items := list.json(t)["items"].([]any); list.code != 200 || len(items) != 1 || items[0].(map[string]any)["openid"] != "dev:zhang" {
			t.Fatalf("buyers of C001 = %d %s", list.code, list.body)
		}
		link := admin("GET", "/api/v1/orders/"+no+"/tracking-link", "")
		if u, _ := link.json(t)["url"].(string); link.code != 200 || !strings.HasPrefix(u, "https://orders.example.com/t/"+no+".") {
			t.Fatalf("tracking link = %d %s", link.code, link.body)
		}
	})
}
