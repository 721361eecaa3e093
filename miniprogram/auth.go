package miniprogram

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

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
		writeErr(c, http.StatusBadRequest, "invalid_code", "code 为 wx.login 返回的登录凭证 code must be the wx.login code")
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
				"未配置小程序 AppID，仅可用 dev:<名字> 演示登录 no app id is configured (ORDERHUB_MP_APP_ID); log in with code dev:<name> in the demo")
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

// newSession makes a random bearer token and keeps it in Redis for the
// session TTL. Redis holds only the token's SHA-256, so a dump of Redis
// hands out no sessions.
func (a *API) newSession(c *gin.Context, buyerID uint64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := "mp_" + hex.EncodeToString(raw)
	err := a.d.Redis.Set(c.Request.Context(), a.sessionKey(token), strconv.FormatUint(buyerID, 10), a.d.Config.SessionTTL.D()).Err()
	return token, err
}

func (a *API) sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return a.d.Prefix + "mp:session:" + hex.EncodeToString(sum[:])
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
	v, err := a.d.Redis.Get(c.Request.Context(), a.sessionKey(token)).Result()
	if errors.Is(err, redis.Nil) {
		a.unauthorized(c)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		a.unauthorized(c)
		return
	}
	b, err := a.d.Buyers.ByID(c.Request.Context(), id)
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
	if err := a.d.Redis.Del(c.Request.Context(), a.sessionKey(token)).Err(); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *API) unauthorized(c *gin.Context) {
	c.Header("WWW-Authenticate", `Bearer realm="orderhub-mp"`)
	writeErr(c, http.StatusUnauthorized, "unauthorized", "请先登录 log in first: POST /api/mp/v1/login, then send Authorization: Bearer <token>")
}

func buyer(c *gin.Context) service.Buyer {
	b, _ := c.MustGet(buyerKey).(service.Buyer)
	return b
}

func (a *API) me(c *gin.Context) {
	b := buyer(c)
	c.JSON(http.StatusOK, gin.H{"buyer": buyerJSON{OpenID: b.OpenID, Name: b.Name, Customer: customerOut(b)}})
}
