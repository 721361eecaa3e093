package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// arrival is one order a buyer will try to place.
type arrival struct {
	at    time.Time
	idx   int
	promo bool
}

// hourWeight is when buyers order in a day: little at night, the morning
// and the afternoon busiest.
var hourWeight = [24]float64{1, 0.5, 0, 0, 0, 0, 0.5, 2, 7, 11, 12, 10, 6, 7, 10, 10, 9, 7, 5, 4, 4, 3, 2, 1}

// schedule draws every order's arrival: ordersPerDay a day spread by
// hourWeight, 15% of the first day's in a promotion from 10:00 to 10:30.
func (w *world) schedule() []arrival {
	r := seedFor(w.opt.Seed, "arrivals")
	var total float64
	for _, h := range hourWeight {
		total += h
	}
	var out []arrival
	n := 0
	for d := 0; d < w.opt.Days; d++ {
		day := Origin.AddDate(0, 0, d)
		count := w.opt.OrdersPerDay
		if d == 0 {
			promo := count * 15 / 100
			count -= promo
			for i := 0; i < promo; i++ {
				out = append(out, arrival{at: day.Add(10*time.Hour + time.Duration(r.Int64N(int64(30*time.Minute)))), idx: n, promo: true})
				n++
			}
		}
		for i := 0; i < count; i++ {
			x := r.Float64() * total
			h := 0
			for ; h < 23 && x >= hourWeight[h]; h++ {
				x -= hourWeight[h]
			}
			out = append(out, arrival{at: day.Add(time.Duration(h)*time.Hour + time.Duration(r.Int64N(int64(time.Hour)))), idx: n})
			n++
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// buyers places each order when it arrives, each in its own goroutine.
func (w *world) buyers(ctx context.Context, arrivals []arrival) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, a := range arrivals {
		if !w.clock.Until(ctx, a.at) {
			return
		}
		wg.Add(1)
		go func() { defer wg.Done(); w.place(ctx, a) }()
	}
}

var promoSKUs = []int{1, 8, 30} // BOLT-M8-30, NUT-M8, DRILL-HSS-5 in the demo catalog

func (w *world) place(ctx context.Context, a arrival) {
	r := seedFor(w.opt.Seed, "order", strconv.Itoa(a.idx))
	// Some customers order far more than others.
	ci := int(math.Min(float64(len(w.cust)-1), math.Floor(r.ExpFloat64()*float64(len(w.cust))/3)))
	c := w.cust[ci]
	want := map[string]int64{}
	var skus []string
	nLines := 1 + r.IntN(4)
	for i := 0; i < nLines; i++ {
		var k int
		if a.promo && i == 0 {
			k = promoSKUs[r.IntN(len(promoSKUs))] % len(w.skus)
		} else {
			k = int(math.Min(float64(len(w.skus)-1), math.Floor(r.ExpFloat64()*float64(len(w.skus))/4)))
		}
		sku := w.skus[k]
		if _, ok := want[sku]; !ok {
			skus = append(skus, sku)
		}
		want[sku] += 1 + r.Int64N(8)
		if a.promo {
			want[sku] += r.Int64N(10)
		}
	}
	atomic.AddInt64(&w.out.Attempts, 1)
	// Most buyers use the mini-program; in office hours some phone customer
	// service, and some orders come from the web shop (a signed channel).
	via := "miniprogram"
	hour := a.at.Hour()
	switch u := r.Float64(); {
	case a.promo:
	case u < 0.10 && hour >= 9 && hour < 17:
		via = "phone"
	case u < 0.20 && w.opt.Channel != "":
		via = "channel"
	}
	// What the mini-program shows is what the buyer orders: no more than
	// is available.
	prods, err := w.products(ctx, c.token)
	if err != nil {
		return
	}
	avail := map[string]int64{}
	for _, p := range prods {
		avail[p.SKU] = p.Available
	}
	key := fmt.Sprintf("sim-%d-%d", w.opt.Seed, a.idx)
	for attempt := 0; attempt < 2; attempt++ {
		var lines []map[string]any
		for _, s := range skus {
			q := min(want[s], avail[s])
			if q < want[s] {
				atomic.AddInt64(&w.out.TrimmedUnits, want[s]-q)
				want[s] = q
			}
			if q > 0 {
				lines = append(lines, map[string]any{"sku": s, "qty": q})
			}
		}
		if len(lines) == 0 {
			atomic.AddInt64(&w.out.Refused, 1)
			return
		}
		switch via {
		case "phone":
			w.phone(a, ci, lines)
			return
		case "channel":
			w.channelOrder(ctx, a, ci, lines)
			return
		}
		var res struct {
			Order struct {
				No string `json:"no"`
			} `json:"order"`
		}
		err := w.e.JSON(ctx, http.MethodPost, "/api/mp/v1/orders", c.token, map[string]string{"Idempotency-Key": fmt.Sprintf("%s-%d", key, attempt)},
			map[string]any{"lines": lines, "address": c.region + "市工业园区" + strconv.Itoa(10+ci) + "号", "remark": "模拟订单"}, &res)
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == "insufficient_stock" && attempt == 0 {
			var eb struct {
				Error struct {
					Available []struct {
						SKU       string `json:"sku"`
						Available int64  `json:"available"`
					} `json:"available"`
				} `json:"error"`
			}
			_ = json.Unmarshal([]byte(ae.Body), &eb)
			for _, l := range eb.Error.Available {
				avail[l.SKU] = l.Available
			}
			continue
		}
		if err != nil {
			atomic.AddInt64(&w.out.Refused, 1)
			return
		}
		w.mu.Lock()
		w.orders[res.Order.No] = &order{no: res.Order.No, customer: ci, placed: w.clock.Now()}
		w.mu.Unlock()
		w.placed.Add(1)
		return
	}
	atomic.AddInt64(&w.out.Refused, 1)
}

// phone: the buyer calls customer service, who types the order into
// WeCom (下单 <客户> <SKU> <数量> …), reads the draft and confirms it.
func (w *world) phone(a arrival, ci int, lines []map[string]any) {
	var words []string
	for _, l := range lines {
		words = append(words, fmt.Sprint(l["sku"]), fmt.Sprint(l["qty"]))
	}
	text := fmt.Sprintf("下单 %s %s 备注 送%s", w.cust[ci].code, strings.Join(words, " "), w.cust[ci].region+"市工业园区"+strconv.Itoa(10+ci)+"号")
	var cs []string
	for _, p := range w.opt.Profile.Staff {
		if ok, _ := p.Present(w.clock.Now()); ok && p.Has("customer_service") {
			cs = append(cs, p.UserID)
		}
	}
	if len(cs) == 0 {
		atomic.AddInt64(&w.out.Refused, 1) // nobody picked up
		return
	}
	w.handTo(cs[a.idx%len(cs)], task{kind: "phone", what: text, customer: ci})
}

// placedBy records an order placed for customer ci.
func (w *world) placedBy(no string, ci int) {
	w.mu.Lock()
	if w.orders[no] == nil {
		w.orders[no] = &order{no: no, customer: ci, placed: w.clock.Now()}
	}
	w.mu.Unlock()
	w.placed.Add(1)
}

// channelOrder posts the order as the web shop does: the native shape,
// signed with the channel's secret.
func (w *world) channelOrder(ctx context.Context, a arrival, ci int, lines []map[string]any) {
	body, _ := json.Marshal(map[string]any{"external_id": fmt.Sprintf("shop-%d-%d", w.opt.Seed, a.idx),
		"customer": map[string]string{"code": w.cust[ci].code}, "lines": lines,
		"address": w.cust[ci].region + "市工业园区" + strconv.Itoa(10+ci) + "号", "remark": "网店订单"})
	status, no, err := w.e.Channel(ctx, w.opt.Channel, w.opt.ChannelSecret, body)
	switch {
	case err != nil:
		atomic.AddInt64(&w.out.Refused, 1)
	case status == http.StatusAccepted:
		atomic.AddInt64(&w.out.Held, 1)
	case no != "":
		atomic.AddInt64(&w.out.ByChannel, 1)
		w.placedBy(no, ci)
	}
}
