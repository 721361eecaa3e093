package sim

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Carrier models say how the simulated carrier brings a parcel and how
// orderhub learns that it arrived.
const (
	// CarrierSlot: the carrier delivers an order that would arrive early
	// in the delivery slot orderhub booked for it (the order's
	// delivery_slot, derived from the promise), and its tracking push
	// (快递100, state 3 签收) tells orderhub the moment it arrived. This is
	// how a company with its own trucks or a carrier's 预约配送 works.
	CarrierSlot = "slot"
	// CarrierWindow is the earlier model: an early parcel arrives at a
	// random time in the three hours before the promise, and orderhub
	// learns of it only when the buyer taps 确认收货 (most within 90
	// minutes, 4% never).
	CarrierWindow = "window"
)

// booking is what the carrier knows of an order when it takes it:
// orderhub's promise and the slot it booked.
type booking struct {
	promise, from, to time.Time
	trackingNo        string
}

// book reads the order as the carrier's booking sees it, through the
// staff API: the promised time and the delivery slot orderhub derived
// from it (business times).
func (w *world) book(ctx context.Context, no string) booking {
	var out struct {
		Order struct {
			PromisedAt   *string `json:"promised_at"`
			TrackingNo   string  `json:"tracking_no"`
			DeliverySlot *struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"delivery_slot"`
		} `json:"order"`
	}
	if err := w.e.Staff(ctx, http.MethodGet, "/orders/"+url.PathEscape(no), nil, &out); err != nil {
		return booking{}
	}
	o := out.Order
	parse := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}
		}
		return t
	}
	b := booking{trackingNo: o.TrackingNo}
	if o.PromisedAt != nil {
		b.promise = parse(*o.PromisedAt)
	}
	if s := o.DeliverySlot; s != nil {
		b.from, b.to = parse(s.From), parse(s.To)
	}
	return b
}

// Kuaidi100 posts a 快递100 tracking push for trackingNo in state (3:
// 签收), signed with salt as 快递100 signs: upper(md5(param + salt)).
// The push carries no ftime: the second-granular carrier time would be up
// to a second of real time (minutes of the compressed day) off, and
// orderhub takes a push without one as happening now.
func (e *Edges) Kuaidi100(ctx context.Context, salt, trackingNo, state, text string) error {
	param, _ := json.Marshal(map[string]any{"status": "polling", "lastResult": map[string]any{
		"nu": trackingNo, "state": state, "data": []map[string]string{{"context": text}}}})
	sum := md5.Sum(append(param, salt...))
	form := url.Values{"param": {string(param)}, "sign": {strings.ToUpper(hex.EncodeToString(sum[:]))}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/api/v1/carriers/kuaidi100/callback", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("kuaidi100 push: HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}

// advanced notes an order's move; a shipment goes on the truck, and its
// buyer receives it later.
func (w *world) advanced(ctx context.Context, reply string) {
	m := reAdvanced.FindStringSubmatch(reply)
	if m == nil || m[3] != "已发货" {
		return
	}
	no := m[1]
	w.mu.Lock()
	o := w.orders[no]
	if o == nil || o.shipped {
		w.mu.Unlock()
		return
	}
	o.shipped = true
	w.mu.Unlock()
	w.shipped.Add(1)
	w.pending.Add(1)
	go w.deliver(ctx, o)
}

// deliver: the carrier takes 6 to 20 hours, but does not come before the
// promised day: with a booked slot (CarrierSlot) an early parcel comes in
// the slot and the carrier's push records the delivery; in the older
// model (CarrierWindow) it comes in the three hours before the promise and
// only the buyer's tap records it. The buyer confirms receipt when they
// see it (most within the hour, some never), reports a problem now and
// then, and complains when a promised order is late.
func (w *world) deliver(ctx context.Context, o *order) {
	defer w.pending.Add(-1)
	r := seedFor(w.opt.Seed, "deliver", o.no)
	c := w.buyerOf(o.customer)
	arrive := w.clock.Now().Add(6*time.Hour + time.Duration(r.Int64N(int64(14*time.Hour))))
	b := w.book(ctx, o.no)
	promise := b.promise
	w.mu.Lock()
	o.promise = promise
	w.mu.Unlock()
	if !promise.IsZero() && arrive.After(promise.Add(2*time.Hour)) && r.Float64() < 0.3 {
		// Late: the buyer asks where it is before it arrives.
		if w.clock.Until(ctx, promise.Add(2*time.Hour)) {
			w.report(ctx, c, o.no, "late", "说好的交期已经过了，货还没到")
		}
	}
	slotted := w.opt.Carrier == CarrierSlot && !b.from.IsZero() && b.to.After(b.from)
	switch {
	case slotted && arrive.Before(b.from):
		// Shipped early, the truck brings it in the slot booked for it.
		arrive = b.from.Add(time.Duration(r.Int64N(int64(b.to.Sub(b.from)))))
	case !slotted && !promise.IsZero() && arrive.Before(promise.Add(-3*time.Hour)):
		// Shipped early, the carrier still brings it on the promised day,
		// in the three hours before the promised time (the buyer's
		// receiving window), not at dawn.
		arrive = promise.Add(-time.Duration(r.Int64N(int64(3 * time.Hour))))
	}
	never := r.Float64() < 0.04
	seen := arrive.Add(time.Duration(r.Int64N(int64(90 * time.Minute))))
	if w.opt.Carrier == CarrierSlot && b.trackingNo != "" {
		if !w.clock.Until(ctx, arrive) {
			return
		}
		if err := w.e.Kuaidi100(ctx, w.opt.Kuaidi100Salt, b.trackingNo, "3", "已签收，签收人：买家"); err == nil {
			w.delivered.Add(1)
		}
	}
	if !w.clock.Until(ctx, seen) {
		return
	}
	if !never {
		err := w.e.JSON(ctx, http.MethodPost, "/api/mp/v1/orders/"+o.no+"/confirm-receipt", c.token, nil, map[string]string{"note": "已收到"}, nil)
		if err == nil && w.opt.Carrier != CarrierSlot {
			w.delivered.Add(1)
		}
		if r.Float64() < 0.05 {
			kind, desc := "missing_items", "少了一盒，请补发"
			if r.Float64() < 0.4 {
				kind, desc = "damaged", "外箱破损，有几只生锈"
			}
			w.report(ctx, c, o.no, kind, desc)
		}
	}
	w.mu.Lock()
	o.delivered, o.done = !never, true
	w.mu.Unlock()
}

func (w *world) report(ctx context.Context, c customer, no, kind, desc string) {
	var res struct {
		Ticket struct {
			No string `json:"no"`
		} `json:"ticket"`
	}
	if err := w.e.JSON(ctx, http.MethodPost, "/api/mp/v1/orders/"+no+"/problems", c.token, nil, map[string]string{"kind": kind, "description": desc}, &res); err != nil {
		return
	}
	atomic.AddInt64(&w.out.Problems, 1)
	w.mu.Lock()
	w.tickets[res.Ticket.No] = true
	w.mu.Unlock()
}
