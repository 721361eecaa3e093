package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// SessionCookie is the board's session cookie.
const SessionCookie = "orderhub_board"

// session is what the board's cookie carries. It is signed, not
// encrypted: it holds no secret, only who logged in and until when. It
// needs no server-side store, so it survives a restart and every instance
// that shares ORDERHUB_SECRET accepts it; who may still use the board is
// checked against the database on every request (an admin session against
// the current admin token's fingerprint, a WeCom user against the staff
// table: active, and a role the board allows).
type session struct {
	// Kind is "admin" (logged in with the admin token) or "staff" (WeCom OAuth).
	Kind string `json:"k"`
	// UserID is the WeCom userid of a staff session.
	UserID string `json:"u,omitempty"`
	// Admin is a fingerprint of the admin token an admin session was made
	// with: changing the token logs every admin session out.
	Admin string `json:"a,omitempty"`
	// Nonce is random per login; the CSRF token is derived from it.
	Nonce string `json:"n"`
	// Exp is when the session ends unless used (Unix seconds); each page
	// or poll renews it.
	Exp int64 `json:"e"`
}

// sessions signs and checks board sessions with a key derived from the
// shared secret.
type sessions struct {
	key []byte
	ttl time.Duration
	// secure marks the cookie Secure (the public URL is https).
	secure bool
}

func newSessions(secret string, ttl time.Duration, secure bool) *sessions {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("orderhub board session v1"))
	return &sessions{key: mac.Sum(nil), ttl: ttl, secure: secure}
}

func (s *sessions) sign(b []byte) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write(b)
	return mac.Sum(nil)
}

// encode returns the cookie value of ss.
func (s *sessions) encode(ss session) string {
	b, _ := json.Marshal(ss)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(s.sign(b))
}

var errNoSession = errors.New("no valid session")

// decode checks a cookie value's signature and expiry.
func (s *sessions) decode(v string, now time.Time) (session, error) {
	var ss session
	body, sig, ok := strings.Cut(v, ".")
	if !ok {
		return ss, errNoSession
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return ss, errNoSession
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.sign(b)) {
		return ss, errNoSession
	}
	if err := json.Unmarshal(b, &ss); err != nil || ss.Exp < now.Unix() || ss.Nonce == "" {
		return ss, errNoSession
	}
	return ss, nil
}

// fresh starts a session of kind for userid.
func (s *sessions) fresh(kind, userID, adminFP string, now time.Time) session {
	n := make([]byte, 16)
	_, _ = rand.Read(n)
	return session{Kind: kind, UserID: userID, Admin: adminFP, Nonce: hex.EncodeToString(n), Exp: now.Add(s.ttl).Unix()}
}

// set writes the cookie: HttpOnly, SameSite=Lax (a cross-site POST carries
// no session), Secure behind https.
func (s *sessions) set(w http.ResponseWriter, ss session, now time.Time) {
	ss.Exp = now.Add(s.ttl).Unix()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.encode(ss), Path: "/", MaxAge: int(s.ttl.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *sessions) clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// csrf is the token forms and scripts send back with every action: bound
// to the session, so a page of another site cannot know it.
func (s *sessions) csrf(ss session) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte("csrf|" + ss.Nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *sessions) checkCSRF(ss session, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf(ss))) == 1
}

// fingerprint identifies the admin token without keeping it in the cookie.
func (s *sessions) fingerprint(token string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte("admin|" + token))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
}
