package miniprogram_test

import (
	"net/http"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
)

// With Redis gone, buyers still log in, are recognised and order: sessions
// are signed tokens and the limits count in memory (issue 9: every call
// answered 500 when sessions lived only in Redis).
func TestBuyersWithoutRedis(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
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
