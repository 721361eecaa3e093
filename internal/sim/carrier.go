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
		return w.clock.Biz(t)
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
