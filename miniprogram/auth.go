package miniprogram

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// devPrefix marks a demo login code: "dev:<name>" logs in as the demo buyer
// <name>, only while no app id is configured.
const devPrefix = "dev:"

type customerJSON struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Phone   string `json:"phone"`
}

type buyerJSON struct {
	OpenID   string       `json:"openid"`
	Name     string       `json:"name"`
	Customer customerJSON `json:"customer"`
}

func customerOut(b service.Buyer) customerJSON {
	return customerJSON{Code: b.Customer.Code, Name: b.Customer.Name, Contact: b.Customer.Contact, Phone: b.Customer.Phone}
}

func (a *API) login(c *gin.Context) {
	var in struct {
		Code string `json:"code"`
	}
	if !bind(c, &in) {
		return
	}
	code := strings.TrimSpace(in.Code)
	if code == "" || len(code) > 128 {
		writeErr(c, http.StatusBadRequest, "invalid_code", "code 须为 wx.login 返回的登录凭证")
		return
	}
	// Each attempt may cost a code2session call to WeChat: limited per
	// client address before it is made, and per buyer after.
	if ok, left := a.loginAddr.allow(c.Request.Context(), c.ClientIP()); !ok {
		tooMany(c, left, "login attempts")
		return
	}
	var login service.BuyerLogin
	if a.d.WeChat == nil {
		name, ok := strings.CutPrefix(code, devPrefix)
		name = strings.TrimSpace(name)
		if !ok || name == "" || utf8.RuneCountInString(name) > 32 {
			writeErr(c, http.StatusUnauthorized, "wechat_not_configured",
				"未配置小程序 AppID（ORDERHUB_MP_APP_ID），演示时请用 dev:<名字> 登录")
			return
		}
		a.d.Log.WarnContext(c, "mini-program demo login: no app id configured, anyone can log in as any demo buyer", "name", name)
		login = service.BuyerLogin{OpenID: devPrefix + name, Name: name}
	} else {
		s, err := a.d.WeChat.Code2Session(c.Request.Context(), code)
		if err != nil {
			a.fail(c, err)
			return
		}
		login = service.BuyerLogin{OpenID: s.OpenID, UnionID: s.UnionID}
	}
	if ok, left := a.loginBuyer.allow(c.Request.Context(), login.OpenID); !ok {
		tooMany(c, left, "logins")
		return
	}
	b, created, err := a.d.Buyers.Login(c.Request.Context(), login)
	if err != nil {
		a.fail(c, err)
		return
	}
	token, err := a.newSession(c, b.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{
		"token": token, "token_type": "Bearer", "expires_in": int64(a.d.Config.SessionTTL.D().Seconds()),
		"customer": customerOut(b), "buyer": buyerJSON{OpenID: b.OpenID, Name: b.Name, Customer: customerOut(b)},
	})
}

// Sessions are signed tokens, verifiable by any instance without Redis:
// "mp2." + base64url(buyer id, expiry, 16 random bytes) + "." +
// base64url(128 bits of HMAC-SHA256 under SessionSecret). A logout is
// kept in the database (session_revocations), each until the token would
// have expired anyway, and copied to Redis, whose copy refuses the token
// without a query. A token Redis does not know as revoked is looked up in
// the database (one primary-key read): Redis may have been down when the
// logout was made, or have lost its keys since, and a revoked token must
// stay refused.
const sessionPrefix = "mp2."

type session struct {
	buyerID uint64
	expires time.Time
	id      []byte // 16 random bytes: the revocation key
}

func (a *API) sign(payload []byte) []byte {
	h := hmac.New(sha256.New, a.d.SessionSecret)
	h.Write(payload)
	return h.Sum(nil)[:16]
}

// newSession signs a token for buyerID valid for the session TTL.
func (a *API) newSession(_ *gin.Context, buyerID uint64) (string, error) {
	payload := make([]byte, 32)
	binary.BigEndian.PutUint64(payload[0:8], buyerID)
	binary.BigEndian.PutUint64(payload[8:16], uint64(a.d.Clock().Add(a.d.Config.SessionTTL.D()).Unix()))
	if _, err := rand.Read(payload[16:]); err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return sessionPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(a.sign(payload)), nil
}

// parseSession verifies a token's signature and expiry.
func (a *API) parseSession(token string) (session, bool) {
	rest, ok := strings.CutPrefix(token, sessionPrefix)
	if !ok {
		return session{}, false
	}
	p64, m64, ok := strings.Cut(rest, ".")
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if !ok || err1 != nil || err2 != nil || len(payload) != 32 || !hmac.Equal(mac, a.sign(payload)) {
		return session{}, false
	}
	s := session{buyerID: binary.BigEndian.Uint64(payload[0:8]), expires: time.Unix(int64(binary.BigEndian.Uint64(payload[8:16])), 0), id: payload[16:]}
	return s, a.d.Clock().Before(s.expires)
}

// revokedKey carries the buyer's hash tag: it is read in one MGET with the
// buyer's cache entry (Buyers.ByIDUnlessMarked), which a Redis Cluster
// answers only for keys of one slot.
func (a *API) revokedKey(s session) string {
	return a.d.Prefix + "mp:revoked:" + service.BuyerKeyTag(s.buyerID) + ":" + hex.EncodeToString(s.id)
}

const buyerKey = "orderhub.buyer"

// auth resolves the bearer token to the buyer, and loads the customer they
// order for now (staff may have linked them to another company since).
func (a *API) auth(c *gin.Context) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" || len(token) > 128 {
		a.unauthorized(c)
		return
	}
	s, ok := a.parseSession(token)
	if !ok {
		a.unauthorized(c)
		return
	}
	// One Redis round trip for both the revocation and the cached buyer;
	// when the cache could not ask Redis, the revocation alone as before
	// (with the client's own timeouts) and the buyer from the database.
	ctx := c.Request.Context()
	b, revoked, checked, err := a.d.Buyers.ByIDUnlessMarked(ctx, s.buyerID, a.revokedKey(s))
	if !checked {
		n, rerr := a.d.Redis.Exists(ctx, a.revokedKey(s)).Result()
		revoked = rerr == nil && n > 0
		if !revoked {
			b, err = a.d.Buyers.ByID(ctx, s.buyerID)
		}
	}
	if !revoked && err == nil {
		// The database has every logout; Redis may not.
		revoked, err = a.d.Buyers.SessionRevoked(ctx, hex.EncodeToString(s.id))
	}
	if revoked {
		a.unauthorized(c)
		return
	}
	if errors.Is(err, service.ErrNotFound) {
		a.unauthorized(c)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Set(buyerKey, b)
	c.Next()
}

// logout ends the session of the bearer token: it no longer
// authenticates, on any instance.
func (a *API) logout(c *gin.Context) {
	token := strings.TrimSpace(strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer "))
	s, _ := a.parseSession(token) // auth verified it
	ctx := c.Request.Context()
	if err := a.d.Buyers.RevokeSession(ctx, s.buyerID, hex.EncodeToString(s.id), s.expires); err != nil {
		a.fail(c, err)
		return
	}
	// The copy that refuses the token without a query; without it the
	// database still does.
	if err := a.d.Redis.Set(ctx, a.revokedKey(s), "1", s.expires.Sub(a.d.Clock())+time.Minute).Err(); err != nil {
		a.d.Log.WarnContext(ctx, "logout: revocation kept in the database only (redis)", "err", err)
	}
	c.Status(http.StatusNoContent)
}

func (a *API) unauthorized(c *gin.Context) {
	c.Header("WWW-Authenticate", `Bearer realm="orderhub-mp"`)
	writeErr(c, http.StatusUnauthorized, "unauthorized", "请先登录：POST /api/mp/v1/login，再带上 Authorization: Bearer <token>")
}

func buyer(c *gin.Context) service.Buyer {
	b, _ := c.MustGet(buyerKey).(service.Buyer)
	return b
}

func (a *API) me(c *gin.Context) {
	b := buyer(c)
	c.JSON(http.StatusOK, gin.H{"buyer": buyerJSON{OpenID: b.OpenID, Name: b.Name, Customer: customerOut(b)}})
}
