package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"orderhub/model"
)

// Tracking signs and opens the public tracking links (/t/<token>) a
// salesperson pastes into a chat: whoever holds the link sees the order's
// progress without logging in, and nobody can make a link for an order
// they were not given, because the token carries an HMAC under a secret
// every instance shares.
type Tracking struct {
	secret []byte
	orders *Orders
}

// NewTracking returns a Tracking signing with secret.
func NewTracking(secret string, orders *Orders) *Tracking {
	if len(secret) < 16 || orders == nil {
		panic("service: NewTracking: secret too short or nil orders")
	}
	return &Tracking{secret: []byte(secret), orders: orders}
}

// tokenMAC is 128 bits of HMAC-SHA256: unguessable, and short enough for a
// link in a chat.
const tokenMAC = 16

// Token returns the tracking token of order number no: the number, a dot,
// and the base64url HMAC of it.
func (t *Tracking) Token(no string) string {
	return no + "." + base64.RawURLEncoding.EncodeToString(t.mac(no))
}

func (t *Tracking) mac(no string) []byte {
	h := hmac.New(sha256.New, t.secret)
	h.Write([]byte("orderhub-track:" + no))
	return h.Sum(nil)[:tokenMAC]
}

// Open returns the order a tracking token names. A token that does not
// verify is reported as not found, like an order that does not exist.
func (t *Tracking) Open(ctx context.Context, token string) (_ Detail, err error) {
	defer wrapOp(&err, "Tracking.Open")
	no, sig, ok := strings.Cut(token, ".")
	bad := &NotFoundError{What: "tracking_link", Key: token}
	if !ok || no == "" || len(no) > 32 {
		return Detail{}, bad
	}
	// Strict: the last character's 4 unused bits must be zero, so a
	// token has one spelling.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(no)) {
		return Detail{}, bad
	}
	return t.orders.Get(ctx, no)
}

// ETA kinds.
const (
	ETAPromised  = "promised"  // the time staff promised the buyer
	ETAEstimated = "estimated" // from the stage SLAs, while nothing is promised
)

// ETA is when an order should be delivered.
type ETA struct {
	At   time.Time
	Kind string
	// Late reports that the order will miss its promised time if the
	// remaining stages take as long as their SLAs.
	Late bool
}

// ETA estimates when ord arrives, as of now: the promised time when there
// is one, else now plus what the current stage and every later one still
// need by their SLAs. Delivered and cancelled orders have none.
func (o *Orders) ETA(ord model.Order, now time.Time) (ETA, bool) {
	if ord.Stage == StageCancelled || ord.Stage == o.pipe.Last().Key {
		return ETA{}, false
	}
	if _, ok := o.pipe.Stage(ord.Stage); !ok {
		return ETA{}, false
	}
	est := o.pipe.Estimate(ord.Stage, ord.WarehouseID, ord.StageEnteredAt, now)
	if ord.PromisedAt != nil {
		return ETA{At: *ord.PromisedAt, Kind: ETAPromised, Late: est.After(*ord.PromisedAt)}, true
	}
	return ETA{At: est, Kind: ETAEstimated}, true
}

// Now is the orders' clock, for callers that show times relative to it.
func (o *Orders) Now() time.Time { return o.clock() }
