package miniprogram_test

import (
	"net/http"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
)

// Bad codes from one address stop reaching WeChat after login_limit: 429
// with Retry-After, counted in Redis.
func TestLoginRateLimit(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		limit := h.cfg.MiniProgram.LoginLimit
		var limited int
		for i := 0; i < 30; i++ {
			r := h.do("POST", "/api/mp/v1/login", "", `{"code":"bad-`+strconv.Itoa(i)+`"}`)
			switch r.code {
			case http.StatusUnauthorized:
			case http.StatusTooManyRequests:
				limited++
				if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s < 1 || r.errCode(t) != "rate_limited" {
					t.Fatalf("429 without Retry-After: %v %s", r.header, r.body)
				}
			default:
				t.Fatalf("attempt %d = %d %s", i, r.code, r.body)
			}
		}
		h.wx.mu.Lock()
		calls := h.wx.codeCalls
		h.wx.mu.Unlock()
		if calls != limit || limited != 30-limit {
			t.Fatalf("WeChat asked %d times, %d refused; want %d and %d", calls, limited, limit, 30-limit)
		}
		// Another address is not held back by this one's attempts.
		if r := h.do("POST", "/api/mp/v1/login", "", `{"code":"good-alice"}`, "X-Forwarded-For", "203.0.113.9"); r.code != http.StatusTooManyRequests {
			t.Fatalf("X-Forwarded-For from an untrusted client chose its address: %d %s", r.code, r.body)
		}
	})
}

// A buyer who logs out holds a token that no longer works, with the buyer
// cache (the revocation read with the cached buyer) and without it.
func TestLogout(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(map[bool]string{false: "uncached", true: "cached"}[cached], func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				h := newHarness(t, db, harnessOpts{cached: cached})
				tok := h.login("dev:zhang")
				other := h.login("dev:zhang") // a second session of the same buyer
				for range 2 {                 // a miss, then (cached) a hit
					if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusOK {
						t.Fatalf("me = %d", r.code)
					}
				}
				if r := h.do("POST", "/api/mp/v1/logout", tok, ""); r.code != http.StatusNoContent {
					t.Fatalf("logout = %d %s", r.code, r.body)
				}
				if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusUnauthorized {
					t.Fatalf("me after logout = %d", r.code)
				}
				if r := h.do("GET", "/api/mp/v1/me", other, ""); r.code != http.StatusOK {
					t.Fatalf("the buyer's other session after logout = %d", r.code)
				}
			})
		})
	}
}

// TestAuthOneRoundTrip: with the buyer cache, an authenticated request
// asks Redis once — the revocation and the cached buyer in one MGET —
// whether the session is good (a hit) or revoked.
func TestAuthOneRoundTrip(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{cached: true})
		tok := h.login("dev:zhang")
		if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusOK { // fills the entry
			t.Fatalf("me = %d", r.code)
		}
		h.redisTrips.Store(0)
		if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusOK {
			t.Fatalf("me = %d", r.code)
		}
		if n := h.redisTrips.Load(); n != 1 {
			t.Errorf("a request with a cached buyer made %d Redis round trips, want 1", n)
		}
		h.do("POST", "/api/mp/v1/logout", tok, "")
		h.redisTrips.Store(0)
		if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusUnauthorized {
			t.Fatalf("me after logout = %d", r.code)
		}
		if n := h.redisTrips.Load(); n != 1 {
			t.Errorf("a revoked session made %d Redis round trips, want 1", n)
		}
	})
}

// TestLogoutWithRedisDown: a buyer logging out while Redis is down is
// logged out (204, not 500), the token is refused at once, and still
// refused when Redis is back — with and without the buyer cache. Before,
// the revocation lived only in Redis: the logout answered 500 and the
// token kept working for its 7 days.
func TestLogoutWithRedisDown(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(map[bool]string{false: "uncached", true: "cached"}[cached], func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				h := newHarness(t, db, harnessOpts{cached: cached})
				tok := h.login("dev:zhang")
				other := h.login("dev:zhang")
				for range 2 { // a miss, then (cached) a hit
					if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusOK {
						t.Fatalf("me = %d", r.code)
					}
				}
				h.redisDown.Store(true)
				if r := h.do("POST", "/api/mp/v1/logout", tok, ""); r.code != http.StatusNoContent {
					t.Fatalf("logout with Redis down = %d %s", r.code, r.body)
				}
				if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusUnauthorized {
					t.Errorf("me after logout, Redis down = %d, want 401", r.code)
				}
				h.redisDown.Store(false)
				for range 2 {
					if r := h.do("GET", "/api/mp/v1/me", tok, ""); r.code != http.StatusUnauthorized {
						t.Errorf("me after logout, Redis back = %d, want 401", r.code)
					}
				}
				if r := h.do("GET", "/api/mp/v1/me", other, ""); r.code != http.StatusOK {
					t.Errorf("the buyer's other session = %d, want 200", r.code)
				}
			})
		})
	}
}
