package miniprogram

import (
	"testing"
	"time"

	"orderhub/config"
)

// A session token verifies without Redis until its expiry, under the
// secret it was signed with only.
func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
	a := &API{d: Deps{SessionSecret: []byte("secret-one-0123456789abcdef"), Config: config.MiniProgram{SessionTTL: config.Duration(time.Hour)},
		Clock: func() time.Time { return now }}}
	tok, err := a.newSession(nil, 42)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := a.parseSession(tok); !ok || s.buyerID != 42 {
		t.Fatalf("fresh token: %+v %v", s, ok)
	}
	other := &API{d: Deps{SessionSecret: []byte("secret-two-0123456789abcdef"), Clock: a.d.Clock}}
	if _, ok := other.parseSession(tok); ok {
		t.Fatal("a token verified under another secret")
	}
	now = now.Add(time.Hour + time.Second)
	if _, ok := a.parseSession(tok); ok {
		t.Fatal("an expired token verified")
	}
}
