package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/reqlog"
	"orderhub/model"
	"orderhub/service"
)

// The chart library (Apache ECharts, pinned in charts/package-lock.json)
// is copied into assets by charts/build.sh; its output is committed.
//go:generate sh charts/build.sh

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// favicon is the board's 32×32 icon (a parcel on blue), also served at
// /favicon.ico where browsers ask for it.
//
//go:embed assets/favicon.ico
var favicon []byte

// OAuth is WeCom's web login (网页授权): where to send the browser, and the
// userid a returned code stands for. The bot's WeCom client satisfies it.
type OAuth interface {
	AuthorizeURL(redirect, state string) string
	UserID(ctx context.Context, code string) (string, error)
}

// DashboardDeps is what the board needs.
type DashboardDeps struct {
	Board     *service.Board
	Orders    *service.Orders
	Tickets   *service.Tickets
	Transfers *service.Transfers
	Measures  *service.Measures
	Catalog   *service.Catalog
	// Insight answers the purchase calendar and the remark terms.
	Insight *service.Insight
	// Overdue marks the tickets and transfers past their escalation's
	// first level in the panes.
	Overdue service.Overdue
	// OAuth, when set, offers 企业微信登录 on the login page.
	OAuth OAuth
	// Roles may use the board after WeCom OAuth ("leads": every role that
	// is some role's lead in config leads).
	Roles      []string
	AdminToken string
	// Secret signs sessions; every instance must share it.
	Secret     string
	SessionTTL time.Duration
	// PublicURL is where browsers reach orderhub (for the OAuth redirect);
	// empty: the request's own host.
	PublicURL string
	// Channels names the configured order channels (key → name), so the
	// board lists and filters them with orderhub's own.
	Channels map[string]string
	// Intakes finds the slip photo an order was read from (chat links to
	// it); nil: no slip photos on the board.
	Intakes *service.Intakes
	// DataDir holds the waybill photos chat attached.
	DataDir  string
	Location *time.Location
	Clock    service.Clock
	Log      *slog.Logger
}

// Dashboard serves the supervisors' board under /dashboard.
type Dashboard struct {
	d    DashboardDeps
	s    *sessions
	tmpl *template.Template
}

// pollEvery is how often an open board asks for changes.
const pollEvery = 10 * time.Second

// MountDashboard adds /dashboard and its pages, fragments and actions to
// e, and lets a board session read the metrics and insight APIs.
func MountDashboard(e *gin.Engine, d DashboardDeps) *Dashboard {
	if d.Board == nil || d.Orders == nil || d.Tickets == nil || d.Transfers == nil || d.Measures == nil || d.Catalog == nil || d.Insight == nil ||
		d.Location == nil || d.Clock == nil || d.Log == nil {
		panic("web: MountDashboard: missing dependency")
	}
	if d.Secret == "" || d.AdminToken == "" {
		panic("web: MountDashboard: empty secret or admin token")
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = 7 * 24 * time.Hour
	}
	db := &Dashboard{d: d, s: newSessions(d.Secret, d.SessionTTL, strings.HasPrefix(d.PublicURL, "https://"))}
	db.tmpl = template.Must(template.New("").Funcs(db.funcs()).ParseFS(templateFS, "templates/*.html"))

	sub, _ := fs.Sub(assetFS, "assets")
	files := http.StripPrefix("/dashboard/assets/", http.FileServer(http.FS(sub)))
	e.GET("/dashboard/assets/*file", func(c *gin.Context) {
		// Assets change only with a new build; a day's cache is plenty.
		c.Header("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(c.Writer, c.Request)
	})
	// A browser pointed at the server's address lands on the board (its
	// login when there is no session); its tab shows orderhub's icon.
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/dashboard") })
	e.GET("/favicon.ico", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Data(http.StatusOK, "image/x-icon", favicon)
	})
	e.GET("/dashboard/login", db.loginPage)
	e.POST("/dashboard/login", db.login)
	e.GET("/dashboard/oauth", db.oauthStart)
	e.GET("/dashboard/oauth/callback", db.oauthCallback)

	g := e.Group("/dashboard", db.auth)
	g.GET("", db.board)
	g.GET("/board", db.boardFragment)
	g.GET("/orders/:no", db.detail)
	g.GET("/orders/:no/waybill", db.waybill)
	g.GET("/intakes/:id/photo", db.slipPhoto)
	g.GET("/tickets", db.ticketsPane)
	g.GET("/transfers", db.transfersPane)
	g.GET("/charts", db.charts)
	g.POST("/logout", db.csrf, db.logout)
	g.POST("/orders/:no/advance", db.csrf, db.advance)
	g.POST("/tickets/:no/ack", db.csrf, db.ack)
	g.POST("/tickets/:no/resolve", db.csrf, db.resolve)
	g.POST("/transfers/:id/receive", db.csrf, db.receive)
	return db
}

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

// base is where browsers reach this server.
func (d *Dashboard) base(c *gin.Context) string {
	if d.d.PublicURL != "" {
		return strings.TrimRight(d.d.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// safeNext keeps a post-login redirect on the board.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/dashboard") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/dashboard"
	}
	return next
}

func (d *Dashboard) filter(c *gin.Context) service.BoardFilter {
	page, _ := strconv.Atoi(c.Query("page"))
	return service.BoardFilter{Stage: c.Query("stage"), Warehouse: c.Query("warehouse"), Channel: c.Query("channel"),
		Customer: c.Query("customer"), Owner: c.Query("owner"), Q: c.Query("q"), Page: page, Size: 50}
}

// boardData is what the board page and its fragment render.
func (d *Dashboard) boardData(c *gin.Context) (gin.H, error) {
	f := d.filter(c)
	page, err := d.d.Board.Open(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	ws, err := d.d.Catalog.Warehouses(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return gin.H{"Page": page, "Filter": f, "Warehouses": ws, "Query": c.Request.URL.RawQuery,
		"Stages": page.Counters, "AtRisk": int(d.d.Board.AtRisk() * 100)}, nil
}

func (d *Dashboard) board(c *gin.Context) {
	data, err := d.boardData(c)
	if err != nil {
		d.failPage(c, err)
		return
	}
	// The on-time rate of the last 30 days heads the board.
	ot, err := d.d.Measures.OnTime(c.Request.Context(), d.d.Measures.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	data["Title"], data["OnTime"], data["Nav"] = "订单看板", OnTimeOut(ot), "board"
	d.render(c, http.StatusOK, "board", data)
}

// boardFragment is the live part of the board, for polling: it answers
// 304 when nothing changed since the ETag the board holds.
func (d *Dashboard) boardFragment(c *gin.Context) {
	data, err := d.boardData(c)
	if err != nil {
		d.failPage(c, err)
		return
	}
	data["Viewer"] = viewerOf(c)
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, "board-live", data); err != nil {
		d.failPage(c, err)
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func (d *Dashboard) detail(c *gin.Context) {
	ctx := c.Request.Context()
	det, err := d.d.Orders.Get(ctx, c.Param("no"))
	if err != nil {
		d.failPage(c, err)
		return
	}
	tickets, err := d.d.Tickets.List(ctx, service.TicketFilter{OrderNo: det.Order.No})
	if err != nil {
		d.failPage(c, err)
		return
	}
	pipe := d.d.Orders.Pipeline()
	next, hasNext := pipe.Next(det.Order.Stage)
	var need []string
	if hasNext {
		have := det.Fields()
		for _, f := range next.Requires {
			if have[f] == "" && !(f == "promised_at" && det.Order.PromisedAt != nil) {
				need = append(need, f)
			}
		}
	}
	var names []string
	for _, t := range det.Transfers {
		names = append(names, det.SKUs[t.ProductID])
	}
	d.render(c, http.StatusOK, "detail", gin.H{"Title": det.Order.No, "D": det, "Tickets": tickets, "StageName": pipe.Name(det.Order.Stage),
		"Next": next, "HasNext": hasNext, "Need": need, "Fields": det.Fields(), "Nav": "board"})
}

// waybill serves the order's waybill photo from the data dir.
func (d *Dashboard) waybill(c *gin.Context) {
	det, err := d.d.Orders.Get(c.Request.Context(), c.Param("no"))
	if err != nil {
		d.failPage(c, err)
		return
	}
	rel := det.Fields()["waybill_photo"]
	if rel == "" || d.d.DataDir == "" {
		writeErr(c, http.StatusNotFound, "no_photo", "这张订单没有面单照片")
		return
	}
	root, err := filepath.Abs(d.d.DataDir)
	if err != nil {
		d.failPage(c, err)
		return
	}
	p := filepath.Join(root, filepath.FromSlash(rel))
	if !strings.HasPrefix(p, root+string(filepath.Separator)) {
		writeErr(c, http.StatusNotFound, "no_photo", "这张订单没有面单照片")
		return
	}
	c.File(p)
}

func (d *Dashboard) ticketsPane(c *gin.Context) {
	ts, err := d.d.Tickets.List(c.Request.Context(), service.TicketFilter{Open: true})
	if err != nil {
		d.failPage(c, err)
		return
	}
	now := d.d.Clock()
	type ticket struct {
		service.TicketView
		// Late is the clock it ran past (service.Overdue), "" if none.
		Late string
	}
	type group struct {
		Assignee string
		Tickets  []ticket
	}
	var groups []group
	at := map[string]int{}
	late := map[string]int{}
	for _, t := range ts {
		name := "未分派"
		if t.Assignee != nil {
			name = t.Assignee.Name
		}
		if _, ok := at[name]; !ok {
			at[name] = len(groups)
			groups = append(groups, group{Assignee: name})
		}
		tk := ticket{TicketView: t, Late: d.d.Overdue.Ticket(t.Ticket, now)}
		late[tk.Late]++
		groups[at[name]].Tickets = append(groups[at[name]].Tickets, tk)
	}
	d.render(c, http.StatusOK, "tickets", gin.H{"Title": "异常工单", "Groups": groups, "Count": len(ts),
		"LateAck": late[model.ClockAck], "LateResolve": late[model.ClockResolve], "Now": now, "Nav": "tickets"})
}

func (d *Dashboard) transfersPane(c *gin.Context) {
	ts, err := d.d.Transfers.List(c.Request.Context(), service.TransferFilter{Status: model.TransferPending})
	if err != nil {
		d.failPage(c, err)
		return
	}
	type transfer struct {
		service.TransferView
		// Late is the clock it ran past (service.Overdue), "" if none.
		Late string
	}
	type group struct {
		Assignee  string
		Transfers []transfer
	}
	var groups []group
	at := map[string]int{}
	now := d.d.Clock()
	overdue := 0
	for _, t := range ts {
		name := t.Assignee
		if name == "" {
			name = "未分派"
		}
		if _, ok := at[name]; !ok {
			at[name] = len(groups)
			groups = append(groups, group{Assignee: name})
		}
		tr := transfer{TransferView: t, Late: d.d.Overdue.Transfer(t.Transfer, now)}
		if tr.Late != "" {
			overdue++
		}
		groups[at[name]].Transfers = append(groups[at[name]].Transfers, tr)
	}
	d.render(c, http.StatusOK, "transfers", gin.H{"Title": "调拨单", "Groups": groups, "Count": len(ts), "Overdue": overdue, "Now": now, "Nav": "transfers"})
}

// back returns to where an action was taken, saying what happened.
func (d *Dashboard) back(c *gin.Context, to string, err error, done string) {
	if err != nil {
		if status, _ := classify(err); status == http.StatusInternalServerError {
			d.failPage(c, err)
			return
		}
		to = addQuery(to, "error", zhError(err))
	} else {
		to = addQuery(to, "done", done)
	}
	if c.GetHeader("X-Board-Action") != "" {
		c.JSON(http.StatusOK, gin.H{"redirect": to})
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}

func addQuery(to, k, v string) string {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return to + sep + k + "=" + url.QueryEscape(v)
}

// returnTo is where an action goes back to: the page it was taken on.
func returnTo(c *gin.Context, fallback string) string {
	if r := c.PostForm("return"); r != "" {
		return safeNext(r)
	}
	return fallback
}

func (d *Dashboard) advance(c *gin.Context) {
	no := c.Param("no")
	fields := map[string]string{}
	for k, vs := range c.Request.PostForm {
		if f, ok := strings.CutPrefix(k, "field."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			fields[f] = strings.TrimSpace(vs[0])
		}
	}
	_, err := d.d.Orders.Advance(c.Request.Context(), service.Move{No: no, To: c.PostForm("to"), Fields: fields, Actor: viewerOf(c).Actor, Note: c.PostForm("note")})
	d.back(c, returnTo(c, "/dashboard/orders/"+url.PathEscape(no)), err, "已推进")
}

func (d *Dashboard) ack(c *gin.Context) {
	_, err := d.d.Tickets.Ack(c.Request.Context(), c.Param("no"), viewerOf(c).Actor, nil)
	d.back(c, returnTo(c, "/dashboard/tickets"), err, "已接单 "+c.Param("no"))
}

func (d *Dashboard) resolve(c *gin.Context) {
	_, err := d.d.Tickets.Resolve(c.Request.Context(), c.Param("no"), c.PostForm("note"), viewerOf(c).Actor, nil)
	d.back(c, returnTo(c, "/dashboard/tickets"), err, "已处理 "+c.Param("no"))
}

func (d *Dashboard) receive(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		d.back(c, "/dashboard/transfers", &service.InvalidError{Field: "id", Message: "调拨单号应为数字"}, "")
		return
	}
	_, err = d.d.Transfers.Receive(c.Request.Context(), id, viewerOf(c).Actor)
	d.back(c, returnTo(c, "/dashboard/transfers"), err, fmt.Sprintf("调拨 #%d 已收货", id))
}

// zhError says in Chinese what went wrong with an action and how to do it
// right.
func zhError(err error) string {
	var missing *service.MissingFieldsError
	var tr *service.TransitionError
	var forbidden *service.ForbiddenError
	var inv *service.InvalidError
	var nf *service.NotFoundError
	switch {
	case errors.As(err, &missing):
		var names []string
		for _, f := range missing.Fields {
			names = append(names, fieldWord(f))
		}
		return "还缺：" + strings.Join(names, "、") + "，请填写后再推进"
	case errors.As(err, &tr):
		return "订单已不在原来的环节，请刷新后再操作"
	case errors.As(err, &forbidden):
		return "您的角色不能做这一步"
	case errors.As(err, &inv):
		return "输入有误（" + inv.Field + "）：" + inv.Message
	case errors.As(err, &nf):
		return "没有找到：" + nf.Key
	case errors.Is(err, service.ErrConflict):
		return "操作没有完成：" + err.Error()
	}
	return "操作失败：" + err.Error()
}

// fieldWord names a stage field in Chinese.
func fieldWord(f string) string {
	switch f {
	case "promised_at":
		return "承诺送达时间"
	case "qc_inspector":
		return "质检员"
	case "carrier":
		return "快递公司"
	case "tracking_no":
		return "运单号"
	case "waybill_photo":
		return "运单照片"
	}
	return f
}

// classify is fail's status mapping, for pages.
func classify(err error) (int, string) {
	switch {
	case errors.Is(err, service.ErrNotFound):
		return http.StatusNotFound, "没有找到"
	case errors.Is(err, service.ErrInvalid):
		return http.StatusUnprocessableEntity, "输入有误"
	case errors.Is(err, service.ErrForbidden):
		return http.StatusForbidden, "没有权限"
	case errors.Is(err, service.ErrConflict):
		return http.StatusConflict, "操作冲突"
	}
	return http.StatusInternalServerError, "内部错误"
}

// failPage answers an error as a page (or a fragment), in Chinese.
func (d *Dashboard) failPage(c *gin.Context, err error) {
	status, word := classify(err)
	msg := zhError(err)
	if status == http.StatusInternalServerError {
		d.d.Log.ErrorContext(c.Request.Context(), "dashboard", "err", err, "path", c.Request.URL.Path)
		msg = "内部错误（请求编号 " + reqlog.ID(c) + "）"
	}
	d.render(c, status, "error", gin.H{"Title": word, "Message": msg})
}

func (d *Dashboard) render(c *gin.Context, status int, name string, data gin.H) {
	if _, ok := data["Viewer"]; !ok {
		data["Viewer"] = viewerOf(c)
	}
	data["Poll"] = int(pollEvery / time.Millisecond)
	if name != "login" {
		data["FlashBad"], data["Flash"] = c.Query("error"), c.Query("done")
	}
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		d.d.Log.ErrorContext(c.Request.Context(), "render", "template", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("内部错误：页面渲染失败"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (d *Dashboard) funcs() template.FuncMap {
	loc := d.d.Location
	return template.FuncMap{
		"local": func(t time.Time) string { return t.In(loc).Format("01-02 15:04") },
		"localp": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.In(loc).Format("01-02 15:04")
		},
		"since": func(t time.Time) string { return service.Waited(d.d.Clock().Sub(t)) },
		// examplePromise is the promise a form's hint shows: three days
		// from today at 18:00, never a date already past.
		"examplePromise": func() string {
			t := d.d.Clock().In(loc).AddDate(0, 0, 3)
			return time.Date(t.Year(), t.Month(), t.Day(), 18, 0, 0, 0, loc).Format("2006-01-02 15:04")
		},
		"until": func(t *time.Time) string {
			if t == nil {
				return "不计时"
			}
			left := t.Sub(d.d.Clock())
			if left < 0 {
				return "超时 " + service.Waited(-left)
			}
			return "剩 " + service.Waited(left)
		},
		"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
		"used":  func(f float64) int { return min(int(f*100), 100) },
		"yuan":  func(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) },
		"field": fieldWord,
		"channel": func(c string) string {
			if n, ok := d.d.Channels[c]; ok {
				return n
			}
			return channelWord(c)
		},
		"channels": func() []string {
			keys := []string{service.ChannelMiniProgram, service.ChannelWeCom, service.ChannelAPI, service.ChannelSlip}
			var more []string
			for k := range d.d.Channels {
				more = append(more, k)
			}
			sort.Strings(more)
			return append(keys, more...)
		},
		"stage": func(key string) string { return d.d.Orders.Pipeline().Name(key) },
		"allocState": func(s string) string {
			if w := map[string]string{model.AllocActive: "占用中", model.AllocReleased: "已释放", model.AllocShipped: "已发出"}[s]; w != "" {
				return w
			}
			return s
		},
		// eventFields shows the fields given with a stage change, by their
		// Chinese names, times in the business's zone.
		"eventFields": func(raw string) string { return eventFields(raw, loc) },
		"fieldValue":  func(v any) string { return fieldValue(v, loc) },
		"ticketState": func(s string) string {
			return map[string]string{model.TicketOpen: "待接单", model.TicketAcknowledged: "处理中", model.TicketResolved: "已处理", model.TicketClosed: "已关闭"}[s]
		},
		// qset is a query with k set (or removed); a template.URL, so the
		// "=" and "&" stay as they are in an href.
		"qset": func(q, k, v string) template.URL {
			vals, _ := url.ParseQuery(q)
			vals.Del("page")
			if v == "" {
				vals.Del(k)
			} else {
				vals.Set(k, v)
			}
			return template.URL(vals.Encode())
		},
		"add":   func(a, b int) int { return a + b },
		"spark": func(n int) int { return min(2+n/2, 28) },
		"json": func(v any) string {
			b, _ := json.Marshal(v)
			return string(b)
		},
		"list": func(v ...string) []string { return v },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"pages": func(total int64, size int) int {
			return int((total + int64(size) - 1) / int64(size))
		},
	}
}

func channelWord(c string) string {
	if w := service.ChannelWords[c]; w != "" {
		return w
	}
	return c
}

func (d *Dashboard) charts(c *gin.Context) {
	ctx := c.Request.Context()
	m := d.d.Measures
	ot90, err := m.OnTime(ctx, m.LastDays(90))
	if err != nil {
		d.failPage(c, err)
		return
	}
	ot30, err := m.OnTime(ctx, m.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	dwell, err := m.Dwell(ctx, m.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	tk, err := m.Tickets(ctx, m.LastDays(30))
	if err != nil {
		d.failPage(c, err)
		return
	}
	cal, err := d.d.Insight.Calendar(ctx, "", 90)
	if err != nil {
		d.failPage(c, err)
		return
	}
	terms, err := d.d.Insight.Remarks(ctx, 90)
	if err != nil {
		d.failPage(c, err)
		return
	}
	themes, err := d.d.Insight.RemarkThemes(ctx, 90)
	if err != nil {
		d.failPage(c, err)
		return
	}
	if len(cal) > 15 {
		cal = cal[:15]
	}
	data := gin.H{"Title": "准时率与时效", "OnTime": OnTimeOut(ot90), "OnTime30": OnTimeOut(ot30), "Dwell": dwell, "Tickets": tk, "Nav": "charts",
		"Calendar": CalendarOut(cal), "Terms": TermsOut(terms), "Themes": ThemesOut(themes)}
	d.render(c, http.StatusOK, "charts", data)
}

// eventFields renders an event's fields (a JSON object) as 「承诺送达 12-11 18:00 · 运单号 SF1」:
// a value that is a time is shown in loc, never as raw RFC 3339.
func eventFields(raw string, loc *time.Location) string {
	var m map[string]any
	if strings.TrimSpace(raw) == "" || json.Unmarshal([]byte(raw), &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fieldWord(k)+" "+fieldValue(m[k], loc))
	}
	return strings.Join(parts, " · ")
}

// fieldValue shows a stage field's value: a time in loc, the rest as is.
func fieldValue(v any, loc *time.Location) string {
	s := fmt.Sprint(v)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc).Format("2006-01-02 15:04")
	}
	return s
}
