package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

const chanSecret = "s3cret-for-tests-only"

func newIntakes(e *env) *service.Intakes {
	chans := map[string]config.Channel{
		"shop":  {Name: "自营网店", Secret: chanSecret, Preset: "native"},
		"ali":   {Name: "1688店", Secret: chanSecret, Preset: "1688"},
		"dy":    {Name: "抖店", Secret: chanSecret, Preset: "douyin"},
		"pos":   {Name: "门店POS", Secret: chanSecret, Preset: "pos"},
		"mixed": {Secret: chanSecret, Preset: "pos", Fields: map[string]string{"vip_no": "customer.code", "items[].sku_code": "lines[].sku"}},
	}
	return service.NewIntakes(e.db, e.orders, e.clock.Now, service.NewChannels(chans), "customer_service", 30*time.Minute)
}

// send signs body as the channel would, now.
func send(t *testing.T, e *env, in *service.Intakes, key, body string) (service.IntakeView, bool, error) {
	t.Helper()
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	return in.Receive(context.Background(), key, ts, service.Sign([]byte(chanSecret), ts, []byte(body)), []byte(body))
}

func count(t *testing.T, db *gorm.DB, m any) int64 {
	t.Helper()
	var n int64
	if err := db.Model(m).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestChannelPresetsPlaceOrders(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		e.put(t, "A", "NUT-M8", 100)
		must(e.catalog.CreateCustomer(context.Background(), catalog.CustomerInput{Code: "C3", Name: "深圳远航五金", Phone: "0755-86001234", Region: "深圳"}))
		in := newIntakes(e)
		tests := []struct {
			name, key, body string
			wantCust        string
			wantAddr        string
		}{
			{"native", "shop", `{"external_id":"N-1","customer":{"code":"c1"},"lines":[{"sku":"bolt-m8","qty":3}],"address":"上海市嘉定区安亭镇墨玉路185号","remark":"上午送"}`,
				"C1", "上海市 上海市 嘉定区 安亭镇墨玉路185号"},
			{"1688", "ali", `{"baseInfo":{"id":3390011,"idOfStr":"3390011","buyerContact":{"companyName":"深圳远航五金","mobile":"+86 755 8600 1234"},
				"receiverInfo":{"toArea":"广东省 深圳市 南山区 科技园路1号"},"remark":"开票"},
				"productItems":[{"cargoNumber":"BOLT-M8","productID":6120001,"name":"六角螺栓","quantity":2},{"cargoNumber":"NUT-M8","productID":6120002,"name":"六角螺母","quantity":4}]}`,
				"C3", "广东省 深圳市 南山区 科技园路1号"},
			{"douyin", "dy", `{"order_id":"6919000000001","post_receiver":"宏达机电","post_tel":"","post_addr":{"province":{"name":"浙江省"},"city":{"name":"杭州市"},"town":{"name":"滨江区"},"detail":"长河街道1号"},
				"buyer_words":"","sku_order_list":[{"code":"NUT-M8","product_id":"3580001","product_name":"六角螺母","item_num":5}]}`,
				"C1", "浙江省 杭州市 滨江区 长河街道1号"},
			{"pos", "pos", `{"ticket_no":"POS-0001","member":{"code":"C2"},"items":[{"item_code":"BOLT-M8","barcode":"6901234567890","item_name":"六角螺栓","qty":"1"}],"note":"门店自提"}`,
				"C2", ""},
			{"fields override", "mixed", `{"ticket_no":"POS-0002","vip_no":"C2","member":{"code":"C1"},"items":[{"sku_code":"NUT-M8","qty":2}]}`,
				"C2", ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				v, replayed, err := send(t, e, in, tc.key, tc.body)
				if err != nil || replayed {
					t.Fatalf("receive = %v, replayed %v", err, replayed)
				}
				if v.State != model.IntakePlaced || v.Order == nil {
					t.Fatalf("state %s, problems %+v", v.State, v.Problems)
				}
				o := v.Order.Order
				if o.Channel != tc.key || v.Order.Customer.Code != tc.wantCust || o.Address != tc.wantAddr || o.Stage != "submitted" {
					t.Errorf("order channel %q customer %q address %q stage %s", o.Channel, v.Order.Customer.Code, o.Address, o.Stage)
				}
				if len(v.Order.Allocations) == 0 {
					t.Errorf("placed without reserving: %+v", v.Order)
				}
				// A retry is the same order; nothing new is written.
				orders := count(t, db, &model.Order{})
				again, replayed, err := send(t, e, in, tc.key, tc.body)
				if err != nil || !replayed || again.Order == nil || again.Order.Order.ID != o.ID {
					t.Fatalf("retry = %v, replayed %v, %+v", err, replayed, again.Order)
				}
				if n := count(t, db, &model.Order{}); n != orders {
					t.Errorf("retry wrote an order: %d → %d", orders, n)
				}
			})
		}
		checkInvariants(t, db)
		list := must2(e.orders.List(context.Background(), service.OrderFilter{Channel: "ali"}))
		if len(list) != 1 || list[0].Channel != "ali" {
			t.Errorf("orders of channel ali = %+v", list)
		}
	})
}

func must2[T any](v T, _ int64, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestChannelRefusesBadRequests(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		in := newIntakes(e)
		ctx := context.Background()
		body := `{"external_id":"X-1","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":1}]}`
		now := e.clock.Now().Unix()
		ts := strconv.FormatInt(now, 10)
		good := service.Sign([]byte(chanSecret), ts, []byte(body))
		tests := []struct {
			name, key, ts, sig, body string
			kind                     error
			code                     string
		}{
			{"unknown channel", "nope", ts, good, body, service.ErrNotFound, "channel_not_found"},
			{"no signature", "shop", ts, "", body, service.ErrUnauthenticated, "signature_missing"},
			{"no timestamp", "shop", "", good, body, service.ErrUnauthenticated, "signature_missing"},
			{"wrong secret", "shop", ts, service.Sign([]byte("another-secret-entirely"), ts, []byte(body)), body, service.ErrUnauthenticated, "bad_signature"},
			{"body changed", "shop", ts, good, body + " ", service.ErrUnauthenticated, "bad_signature"},
			{"stale", "shop", strconv.FormatInt(now-301, 10), service.Sign([]byte(chanSecret), strconv.FormatInt(now-301, 10), []byte(body)), body, service.ErrUnauthenticated, "stale_timestamp"},
			{"future", "shop", strconv.FormatInt(now+301, 10), service.Sign([]byte(chanSecret), strconv.FormatInt(now+301, 10), []byte(body)), body, service.ErrUnauthenticated, "stale_timestamp"},
			{"not json", "shop", ts, service.Sign([]byte(chanSecret), ts, []byte("{oops")), "{oops", service.ErrInvalid, "malformed_json"},
			{"array", "shop", ts, service.Sign([]byte(chanSecret), ts, []byte("[]")), "[]", service.ErrInvalid, "malformed_json"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := in.Receive(ctx, tc.key, tc.ts, tc.sig, []byte(tc.body))
				if !errors.Is(err, tc.kind) || service.ErrorCode(err) != tc.code {
					t.Fatalf("err = %v (%s), want %v %s", err, service.ErrorCode(err), tc.kind, tc.code)
				}
			})
		}
		invalid := []struct{ name, body, code string }{
			{"no external id", `{"customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":1}]}`, "required"},
			{"no lines", `{"external_id":"X-2","customer":{"code":"C1"},"lines":[]}`, "no_lines"},
			{"zero qty", `{"external_id":"X-3","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":0}]}`, "invalid_qty"},
			{"text qty", `{"external_id":"X-4","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":"many"}]}`, "invalid_qty"},
			{"no customer", `{"external_id":"X-5","lines":[{"sku":"BOLT-M8","qty":1}]}`, "required"},
			{"bad time", `{"external_id":"X-6","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":1}],"promised_at":"soon"}`, "invalid_time"},
		}
		for _, tc := range invalid {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := send(t, e, in, "shop", tc.body)
				if !errors.Is(err, service.ErrInvalid) || service.ErrorCode(err) != tc.code {
					t.Fatalf("err = %v (%s), want %s", err, service.ErrorCode(err), tc.code)
				}
			})
		}
		for _, m := range []any{&model.Intake{}, &model.Order{}, &model.Outbox{}} {
			if n := count(t, db, m); n != 0 {
				t.Errorf("refused requests wrote %d rows of %T", n, m)
			}
		}
		// The same id with another body is a conflict, and changes nothing.
		if _, _, err := send(t, e, in, "shop", body); err != nil {
			t.Fatal(err)
		}
		_, _, err := send(t, e, in, "shop", `{"external_id":"X-1","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":2}]}`)
		if !errors.Is(err, service.ErrConflict) || service.ErrorCode(err) != "external_id_reused" {
			t.Fatalf("reused id = %v", err)
		}
		// Keys reordered and spaces added: the same request.
		if _, replayed, err := send(t, e, in, "shop", `{ "lines":[{"qty":1,"sku":"BOLT-M8"}], "customer":{"code":"C1"}, "external_id":"X-1" }`); err != nil || !replayed {
			t.Fatalf("reordered retry = %v, replayed %v", err, replayed)
		}
		if n := count(t, db, &model.Order{}); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 1 {
			t.Errorf("locked %d, want 1", locked)
		}
	})
}

func TestChannelReviewHoldsThenPlaces(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		e.put(t, "A", "NUT-M8", 100)
		for _, p := range []catalog.ProductInput{
			{SKU: "BP-COR22", Name: "前刹车片", Spec: "丰田卡罗拉2022款", Unit: "套", PriceFen: 18000},
			{SKU: "BP-COR23", Name: "前刹车片", Spec: "丰田卡罗拉2023款", Unit: "套", PriceFen: 19000},
		} {
			must(e.catalog.CreateProduct(context.Background(), p))
		}
		e.put(t, "A", "BP-COR22", 10)
		in := newIntakes(e)
		ctx := context.Background()

		// The 2022 pads by name match the 2022 product only, never 2023.
		v, _, err := send(t, e, in, "ali", `{"baseInfo":{"idOfStr":"A-1","buyerContact":{"companyName":"宏达机电"}},"productItems":[{"name":"丰田卡罗拉2022款前刹车片","productID":"777","quantity":2}]}`)
		if err != nil || v.State != model.IntakePlaced || v.Order.Order.Lines[0].SKU != "BP-COR22" {
			t.Fatalf("2022 pads = %v, %+v %+v", err, v.Intake, v.Problems)
		}

		// "六角 M8" is a bolt or a nut: held, nothing reserved, the unknown
		// customer and the ambiguous line named with candidates.
		body := `{"baseInfo":{"idOfStr":"A-2","buyerContact":{"companyName":"新客户五金","mobile":"13800001111"}},"productItems":[{"name":"六角 M8","productID":"888","quantity":5},{"cargoNumber":"NUT-M8","quantity":1}]}`
		v, _, err = send(t, e, in, "ali", body)
		if err != nil || v.State != model.IntakeReview || v.Order != nil {
			t.Fatalf("held = %v, %+v", err, v.Intake)
		}
		if len(v.Problems) != 2 || v.Problems[0].Code != "customer_unmatched" || v.Problems[1].Code != "sku_ambiguous" || len(v.Problems[1].Candidates) != 2 {
			t.Fatalf("problems = %+v", v.Problems)
		}
		if _, locked := e.stockOf(t, "A", "NUT-M8"); locked != 0 {
			t.Errorf("a held order locked %d", locked)
		}
		var push model.Outbox
		if err := db.Where("to_user = ?", "cs").Take(&push).Error; err != nil {
			t.Fatalf("customer service not told: %v", err)
		}
		push = rendered(t, []model.Outbox{push})[0]
		var text map[string]string
		_ = json.Unmarshal([]byte(push.Body), &text)
		if want := fmt.Sprintf("待复核订单 #%d", v.ID); len(text["content"]) == 0 || !contains(text["content"], want) || !contains(text["content"], "BOLT-M8、NUT-M8") {
			t.Errorf("push = %s", push.Body)
		}
		// A retry while held answers the same, adds nothing.
		if again, replayed, err := send(t, e, in, "ali", body); err != nil || !replayed || again.ID != v.ID || again.State != model.IntakeReview {
			t.Fatalf("held retry = %v %v %+v", err, replayed, again.Intake)
		}

		// Only customer service (or a supervisor) resolves.
		if _, err := in.Resolve(ctx, v.ID, service.Resolution{Customer: "C1", Actor: staff(t, e, "picker")}); !errors.Is(err, service.ErrForbidden) {
			t.Fatalf("picker resolving = %v", err)
		}
		// Picking the customer alone leaves the line: still held.
		v2, err := in.Resolve(ctx, v.ID, service.Resolution{Customer: "C1", Actor: staff(t, e, "cs")})
		if err != nil || v2.State != model.IntakeReview || len(v2.Problems) != 1 {
			t.Fatalf("half resolved = %v %+v", err, v2.Problems)
		}
		v3, err := in.Resolve(ctx, v.ID, service.Resolution{Lines: map[int]string{0: "BOLT-M8"}, Remember: true, Actor: staff(t, e, "cs")})
		if err != nil || v3.State != model.IntakePlaced || v3.Order == nil {
			t.Fatalf("resolved = %v %+v", err, v3.Intake)
		}
		if o := v3.Order.Order; o.Channel != "ali" || len(o.Lines) != 2 || o.Stage != "submitted" || v3.Order.Customer.Code != "C1" {
			t.Errorf("placed order = %+v", o)
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 5 {
			t.Errorf("BOLT-M8 locked %d, want 5", locked)
		}
		// The channel's code 888 is remembered: the next order matches by alias.
		v4, _, err := send(t, e, in, "ali", `{"baseInfo":{"idOfStr":"A-3","buyerContact":{"companyName":"宏达机电"}},"productItems":[{"name":"whatever","productID":888,"quantity":1}]}`)
		if err != nil || v4.State != model.IntakePlaced || v4.Doc.Lines[0].By != "alias" {
			t.Fatalf("alias = %v %+v", err, v4.Doc.Lines)
		}
		// And the first request's retry now returns the placed order.
		if again, _, err := send(t, e, in, "ali", body); err != nil || again.Order == nil || again.Order.Order.ID != v3.Order.Order.ID {
			t.Fatalf("retry after resolve = %v", err)
		}
		// Resolving twice is refused.
		if _, err := in.Resolve(ctx, v.ID, service.Resolution{Customer: "C1", Actor: service.Admin}); !errors.Is(err, service.ErrConflict) {
			t.Errorf("second resolve = %v", err)
		}
		checkInvariants(t, db)
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestChannelConcurrentRetriesPlaceOnce(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		in := newIntakes(e)
		body := `{"external_id":"R-1","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":7}]}`
		var wg sync.WaitGroup
		ids := make([]uint64, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, _, err := send(t, e, in, "shop", body)
				errs[i] = err
				if v.Order != nil {
					ids[i] = v.Order.Order.ID
				}
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Errorf("request %d: order %d, err %v (first %d)", i, ids[i], errs[i], ids[0])
			}
		}
		if n := count(t, db, &model.Order{}); n != 1 {
			t.Errorf("%d orders from one request sent 8 times", n)
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 7 {
			t.Errorf("locked %d, want 7", locked)
		}
	})
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13800001111", "13800001111"},
		{"+86 138 0000 1111", "13800001111"},
		{"0086-138-0000-1111", "13800001111"},
		{"１３８００００１１１１", "13800001111"},
		{"(0755) 8600-1234", "0755-86001234"},
		{"010-12345678", "010-12345678"},
		{"+86 21 6123 4567", "021-61234567"},
		{"0571 87654321 转 8001", "0571-87654321"},
		{"12345", ""},
		{"电话", ""},
	}
	for _, tc := range tests {
		got, ok := service.NormalizePhone(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestChannelPresetsTakePlatformSamples sends each platform's answer as
// its public API documentation shows it (testdata/channels): 1688's
// alibaba.trade.get wraps the order in {"result":{…}}, Douyin's
// order.orderDetail in {"data":{"shop_order_detail":{…}}}, and 1688 writes
// quantities as decimals (4.0). Every preset must place them as sent.
func TestChannelPresetsTakePlatformSamples(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		e.put(t, "A", "NUT-M8", 100)
		must(e.catalog.CreateCustomer(context.Background(), catalog.CustomerInput{Code: "C3", Name: "深圳远航五金", Phone: "0755-86001234", Region: "深圳"}))
		in := newIntakes(e)
		tests := []struct {
			file, key, wantExt, wantCust, wantAddr, wantRemark string
			wantLines                                          map[string]int64
		}{
			{"1688-trade-get.json", "ali", "2193300961553541455", "C3", "广东省 深圳市 南山区 科技园路1号", "请开增值税专票", map[string]int64{"BOLT-M8": 2, "NUT-M8": 4}},
			{"douyin-order-detail.json", "dy", "6919000000001234567", "C1", "浙江省 杭州市 滨江区 长河街道1号", "周末不收货", map[string]int64{"NUT-M8": 5}},
			{"pos-export.json", "pos", "POS-20261207-0042", "C2", "", "门店自提", map[string]int64{"BOLT-M8": 1, "NUT-M8": 3}},
		}
		for _, tc := range tests {
			t.Run(tc.file, func(t *testing.T) {
				body, err := os.ReadFile(filepath.Join("testdata", "channels", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				v, _, err := send(t, e, in, tc.key, string(body))
				if err != nil {
					t.Fatalf("receive = %v", err)
				}
				if v.State != model.IntakePlaced || v.Order == nil {
					t.Fatalf("state %s, problems %+v", v.State, v.Problems)
				}
				o := v.Order.Order
				if v.ExternalID != tc.wantExt || v.Order.Customer.Code != tc.wantCust || o.Address != tc.wantAddr || o.Remark != tc.wantRemark {
					t.Errorf("external id %q customer %q address %q remark %q", v.ExternalID, v.Order.Customer.Code, o.Address, o.Remark)
				}
				got := map[string]int64{}
				for _, l := range o.Lines {
					got[l.SKU] += l.Qty
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.wantLines) {
					t.Errorf("lines %v, want %v", got, tc.wantLines)
				}
			})
		}
		checkInvariants(t, db)
	})
}

// TestChannelRetryAfterFailedMarkPlacesOnce: the order commits, then
// marking its intake placed fails (as a KILL QUERY or max_statement_time
// would fail it). The intake must stay, so the channel's retry finds the
// same order through the intake's key instead of placing a second one, and
// no stock stays locked for an order nothing points to.
func TestChannelRetryAfterFailedMarkPlacesOnce(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		in := newIntakes(e)
		var fail sync.Mutex
		armed := true
		const name = "test:kill-intake-mark"
		if err := db.Callback().Update().Before("gorm:update").Register(name, func(tx *gorm.DB) {
			fail.Lock()
			defer fail.Unlock()
			if armed && tx.Statement.Table == "intakes" {
				armed = false
				_ = tx.AddError(errors.New("Error 1317 (70100): Query execution was interrupted"))
			}
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Callback().Update().Remove(name) })

		body := `{"external_id":"K-1","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":7}]}`
		if _, _, err := send(t, e, in, "shop", body); err == nil {
			t.Fatal("the injected failure did not reach the channel")
		}
		if n := count(t, db, &model.Order{}); n != 1 {
			t.Fatalf("%d orders after the first attempt, want the one that committed", n)
		}
		var its []model.Intake
		if err := db.Where("channel = ? AND external_id = ?", "shop", "K-1").Find(&its).Error; err != nil {
			t.Fatal(err)
		}
		if len(its) != 1 {
			t.Fatalf("the order committed but %d intakes point at it", len(its))
		}
		v, replayed, err := send(t, e, in, "shop", body)
		if err != nil || !replayed || v.Order == nil || v.State != model.IntakePlaced {
			t.Fatalf("retry = %v, replayed %v, state %s, order %+v", err, replayed, v.State, v.Order)
		}
		if n := count(t, db, &model.Order{}); n != 1 {
			t.Errorf("the retry placed a second order: %d orders", n)
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 7 {
			t.Errorf("locked %d, want 7 (one order)", locked)
		}
		var it model.Intake
		if err := db.Where("channel = ? AND external_id = ?", "shop", "K-1").Take(&it).Error; err != nil {
			t.Fatal(err)
		}
		if it.State != model.IntakePlaced || it.OrderID == nil || *it.OrderID != v.Order.Order.ID {
			t.Errorf("intake state %s order %v, want placed for order %d", it.State, it.OrderID, v.Order.Order.ID)
		}
		// A refusal (too little stock) still leaves nothing behind.
		short := `{"external_id":"K-2","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":1000}]}`
		if _, _, err := send(t, e, in, "shop", short); !errors.Is(err, service.ErrConflict) {
			t.Fatalf("short order = %v, want a conflict", err)
		}
		if n := count(t, db.Where("external_id = ?", "K-2"), &model.Intake{}); n != 0 {
			t.Errorf("a refused order left %d intakes", n)
		}
		checkInvariants(t, db)
	})
}

// TestChannelPhoneAndNameMustAgree: a phone number places an order on its
// customer's account only when the name given, if any, is that customer's;
// a name that says otherwise holds the order for review.
func TestChannelPhoneAndNameMustAgree(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		must(e.catalog.CreateCustomer(context.Background(), catalog.CustomerInput{Code: "C3", Name: "深圳远航五金", Phone: "13800001234", Region: "深圳"}))
		in := newIntakes(e)
		tests := []struct {
			name, customer string
			wantState      string
		}{
			{"another name", `{"name":"张三","phone":"138 0000 1234"}`, model.IntakeReview},
			{"the customer's name", `{"name":"深圳远航五金","phone":"13800001234"}`, model.IntakePlaced},
			{"part of the customer's name", `{"name":"远航五金","phone":"13800001234"}`, model.IntakePlaced},
			{"phone alone", `{"phone":"+86 138-0000-1234"}`, model.IntakePlaced},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				body := fmt.Sprintf(`{"external_id":"PN-%d","customer":%s,"lines":[{"sku":"BOLT-M8","qty":1}]}`, i, tc.customer)
				_, lockedBefore := e.stockOf(t, "A", "BOLT-M8")
				v, _, err := send(t, e, in, "shop", body)
				if err != nil || v.State != tc.wantState {
					t.Fatalf("receive = %v, state %s, problems %+v", err, v.State, v.Problems)
				}
				_, locked := e.stockOf(t, "A", "BOLT-M8")
				if tc.wantState == model.IntakePlaced {
					if v.Order == nil || v.Order.Customer.Code != "C3" {
						t.Fatalf("placed for %+v, want C3", v.Order)
					}
					return
				}
				if v.Order != nil || locked != lockedBefore {
					t.Fatalf("held order placed or reserved: %+v, locked %d → %d", v.Order, lockedBefore, locked)
				}
				if len(v.Problems) == 0 || v.Problems[0].Field != "customer" || len(v.Problems[0].Candidates) == 0 || v.Problems[0].Candidates[0].Code != "C3" {
					t.Fatalf("problems = %+v, want the customer held with C3 as a candidate", v.Problems)
				}
			})
		}
	})
}
