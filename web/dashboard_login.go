package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// viewer is who is looking at the board.
type viewer struct {
	Actor service.Actor
	CSRF  string
	ss    session
}

const viewerKey = "orderhub.viewer"

func viewerOf(c *gin.Context) viewer {
	v, _ := c.Get(viewerKey)
	vw, _ := v.(viewer)
	return vw
}

// auth admits a request with a valid session whose person may still use
// the board, renewing the cookie; others go to the login page (a page) or
// get 401 (a fragment or poll, which the board's script turns into a
// "log in again" notice).
func (d *Dashboard) auth(c *gin.Context) {
	vw, ok := d.session(c)
	if !ok {
		d.s.clear(c.Writer)
		if c.Request.Method == http.MethodGet && c.GetHeader("X-Board-Poll") == "" {
			c.Redirect(http.StatusSeeOther, "/dashboard/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		} else {
			writeErr(c, http.StatusUnauthorized, "unauthorized", "请先在 /dashboard/login 登录")
		}
		c.Abort()
		return
	}
	d.s.set(c.Writer, vw.ss, d.d.Clock())
	c.Set(viewerKey, vw)
	c.Next()
}

// session reads and checks the request's session against the current
// admin token and the staff table.
func (d *Dashboard) session(c *gin.Context) (viewer, bool) {
	ck, err := c.Cookie(SessionCookie)
	if err != nil {
		return viewer{}, false
	}
	ss, err := d.s.decode(ck, d.d.Clock())
	if err != nil {
		return viewer{}, false
	}
	vw := viewer{ss: ss, CSRF: d.s.csrf(ss)}
	switch ss.Kind {
	case "admin":
		if subtle.ConstantTimeCompare([]byte(ss.Admin), []byte(d.s.fingerprint(d.d.AdminToken))) != 1 {
			return viewer{}, false
		}
		vw.Actor = service.Admin
	case "staff":
		a, err := d.d.Catalog.StaffActor(c.Request.Context(), ss.UserID)
		if err != nil || !d.allowed(a.Roles) {
			return viewer{}, false
		}
		vw.Actor = a
	default:
		return viewer{}, false
	}
	return vw, true
}

// allowed reports whether roles include one the board admits.
func (d *Dashboard) allowed(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(d.d.Roles, r) || (slices.Contains(d.d.Roles, "leads") && slices.Contains(d.d.Orders.Pipeline().LeadRoles(), r)) {
			return true
		}
	}
	return false
}

// SessionOrToken guards an API group with either the admin bearer token or
// a board session, so the board's charts read the same JSON routes.
func (d *Dashboard) SessionOrToken(token func(*gin.Context)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			if vw, ok := d.session(c); ok {
				c.Set(viewerKey, vw)
				c.Next()
				return
			}
		}
		token(c)
	}
}

// csrf refuses an action without the session's CSRF token (form field or
// X-CSRF-Token header).
func (d *Dashboard) csrf(c *gin.Context) {
	token := c.GetHeader("X-CSRF-Token")
	if token == "" {
		token = c.PostForm("csrf")
	}
	if !d.s.checkCSRF(viewerOf(c).ss, token) {
		writeErr(c, http.StatusForbidden, "csrf", "表单已过期或来自别处，请刷新看板后再试")
		c.Abort()
		return
	}
	c.Next()
}

func (d *Dashboard) loginPage(c *gin.Context) {
	d.render(c, http.StatusOK, "login", gin.H{"Title": "登录", "Next": safeNext(c.Query("next")), "OAuth": d.d.OAuth != nil, "Error": d.loginError(c.Query("error"))})
}

// loginError is the Chinese text of a login error code; the login page
// shows only these, never text from the address (anyone can send a link
// with ?error=… to make the board say anything).
func (d *Dashboard) loginError(code string) string {
	switch code {
	case "":
		return ""
	case "no_wecom":
		return "未配置企业微信"
	case "link_expired":
		return "登录链接已失效，请重新从企业微信打开"
	case "no_code":
		return "企业微信没有给出登录码，请重新打开"
	case "wecom_failed":
		return "企业微信登录失败，请稍后重试"
	case "not_staff":
		return "您不在员工名单里，请联系管理员"
	case "role":
		return "您的角色不能查看看板；允许的角色：" + strings.Join(d.d.Roles, "、")
	}
	return "登录失败，请重试"
}

func (d *Dashboard) login(c *gin.Context) {
	next := safeNext(c.PostForm("next"))
	token := strings.TrimSpace(c.PostForm("token"))
	if subtle.ConstantTimeCompare([]byte(token), []byte(d.d.AdminToken)) != 1 {
		d.render(c, http.StatusUnauthorized, "login", gin.H{"Title": "登录", "Next": next, "OAuth": d.d.OAuth != nil, "Error": "管理令牌不对，请检查后重试"})
		return
	}
	now := d.d.Clock()
	d.s.set(c.Writer, d.s.fresh("admin", "", d.s.fingerprint(d.d.AdminToken), now), now)
	c.Redirect(http.StatusSeeOther, next)
}

func (d *Dashboard) logout(c *gin.Context) {
	d.s.clear(c.Writer)
	c.Redirect(http.StatusSeeOther, "/dashboard/login")
}

// oauthStart sends the browser to WeCom's authorize page; the state is a
// signed, short-lived value naming where to go back to.
func (d *Dashboard) oauthStart(c *gin.Context) {
	if d.d.OAuth == nil {
		c.Redirect(http.StatusSeeOther, "/dashboard/login?error=no_wecom")
		return
	}
	now := d.d.Clock()
	st := d.s.encode(session{Kind: "oauth", Nonce: safeNext(c.Query("next")), Exp: now.Add(10 * time.Minute).Unix()})
	c.Redirect(http.StatusFound, d.d.OAuth.AuthorizeURL(d.base(c)+"/dashboard/oauth/callback", st))
}

func (d *Dashboard) oauthCallback(c *gin.Context) {
	fail := func(code string) {
		c.Redirect(http.StatusSeeOther, "/dashboard/login?error="+code)
	}
	st, err := d.s.decode(c.Query("state"), d.d.Clock())
	if d.d.OAuth == nil || err != nil || st.Kind != "oauth" {
		fail("link_expired")
		return
	}
	code := c.Query("code")
	if code == "" || len(code) > 512 {
		fail("no_code")
		return
	}
	uid, err := d.d.OAuth.UserID(c.Request.Context(), code)
	if err != nil {
		d.d.Log.WarnContext(c.Request.Context(), "wecom oauth", "err", err)
		fail("wecom_failed")
		return
	}
	a, err := d.d.Catalog.StaffActor(c.Request.Context(), uid)
	if err != nil {
		d.d.Log.InfoContext(c.Request.Context(), "board login refused: not staff", "userid", uid)
		fail("not_staff")
		return
	}
	if !d.allowed(a.Roles) {
		d.d.Log.InfoContext(c.Request.Context(), "board login refused: role", "userid", uid)
		fail("role")
		return
	}
	now := d.d.Clock()
	d.s.set(c.Writer, d.s.fresh("staff", uid, "", now), now)
	c.Redirect(http.StatusSeeOther, st.Nonce)
}

// safeNext keeps a post-login redirect on the board.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/dashboard") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/dashboard"
	}
	return next
}
