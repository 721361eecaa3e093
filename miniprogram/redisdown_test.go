package miniprogram_test

import (
	"net/http"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
)

// With Redis gone, buyers still log in, are recognised and order: sessions
// are signed tokens and the limits count in memory (issue 9: every call
// answered 500 when sessions lived only in Redis). With the buyer cache
// too: its read of the revocation and the buyer fails, and the buyer comes
// from the database.
func TestBuyersWithoutRedis(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(map[bool]string{false: "uncached", true: "cached"}[cached], func(t *testing.T) { buyersWithoutRedis(t, cached) })
	}
}

func buyersWithoutRedis(t *testing.T, cached bool) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{cached: cached})
		if r := h.do("GET", "/api/mp/v1/me", h.login("dev:zhang"), ""); r.code != http.StatusOK { // cached: fills the entry
			t.Fatalf("me = %d %s", r.code, r.body)
		}
		tok := h.login("dev:zhang")
		if err := h.rdb.Close(); err != nil { // every Redis call now fails
			t.Fatal(err)
		}
		if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusOK {
			t.Fatalf("me without redis = %d %s", r.code, r.body)
		}
		r := h.do("POST", "/api/mp/v1/orders", tok, `{"lines":[{"sku":"NUT-M8","qty":1}],"address":"上海市嘉定区"}`, "Idempotency-Key", "no-redis-1")
		if r.code != http.StatusCreated {
			t.Fatalf("order without redis = %d %s", r.code, r.body)
		}
		fresh := h.login("dev:li")
		if r := h.do("GET", "/api/mp/v1/orders", fresh, ""); r.code != http.StatusOK {
			t.Fatalf("a login made without redis = %d %s", r.code, r.body)
		}
	})
}
