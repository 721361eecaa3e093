package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// boardClient is a browser: it keeps cookies and does not follow redirects
// by itself, so each hop can be checked.
func boardClient(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestDashboardSessionAndActions: no order data without a session; the
// admin token logs in; the session works on a second instance (signed
// cookie, shared secret); filters narrow the board; polls answer 304 when
// nothing changed; an action needs the CSRF token and goes through the
// same service method as chat.
func TestDashboardSessionAndActions(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		apps, srvs := testApps(t, mysql, "", 2)
		a, base := apps[0], srvs[0].URL
		ctx := context.Background()
		if _, err := a.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		var ord model.Order
		if err := a.db.Where("stage = ?", "submitted").Order("id").First(&ord).Error; err != nil {
			t.Fatal(err)
		}
		tk, err := a.tickets.Open(ctx, service.NewTicket{Kind: model.TicketStaffProblem, OrderNo: ord.No, Description: "少了一箱", Actor: service.Admin})
		if err != nil {
			t.Fatal(err)
		}

		c := boardClient(t)
		// Nothing without a session.
		if resp, _ := get(t, c, base+"/dashboard"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/dashboard/login") {
			t.Fatalf("no session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, body := get(t, c, base+"/dashboard/board", "X-Board-Poll", "1"); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, ord.No) {
			t.Fatalf("poll without session: %d", resp.StatusCode)
		}
		if resp, _ := get(t, c, base+"/api/v1/metrics/on-time"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("metrics without session: %d", resp.StatusCode)
		}
		if resp, body := get(t, c, base+"/dashboard/orders/"+ord.No); resp.StatusCode != http.StatusSeeOther || strings.Contains(body, ord.Address) {
			t.Fatalf("detail without session: %d", resp.StatusCode)
		}
		// A forged cookie is no session.
		u, _ := url.Parse(base)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "orderhub_board", Value: "eyJrIjoiYWRtaW4ifQ.AAAA", Path: "/"}})
		if resp, _ := get(t, c, base+"/dashboard"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("forged cookie: %d", resp.StatusCode)
		}
		// Wrong token, then the right one.
		if resp, body := postForm(t, c, base+"/dashboard/login", url.Values{"token": {"wrong-token-123"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "管理令牌不对") {
			t.Fatalf("wrong token: %d", resp.StatusCode)
		}
		resp, _ := postForm(t, c, base+"/dashboard/login", url.Values{"token": {testToken}, "next": {"/dashboard?stage=submitted"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard?stage=submitted" {
			t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := get(t, c, base+"/dashboard")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, ord.No) || !strings.Contains(body, "有异常") || !strings.Contains(body, "准时率") {
			t.Fatalf("board: %d\n%s", resp.StatusCode, body)
		}
		var open int64
		a.db.Model(&model.Order{}).Where("stage NOT IN ?", []string{"delivered", "cancelled"}).Count(&open)
		if n := strings.Count(body, `data-no="`); int64(n) != open {
			t.Errorf("board shows %d orders, %d are open", n, open)
		}
		// A filter narrows it: another stage does not show the order.
		_, body = get(t, c, base+"/dashboard?stage=picking")
		if strings.Contains(body, `data-no="`+ord.No+`"`) {
			t.Errorf("stage filter kept %s", ord.No)
		}
		_, body = get(t, c, base+"/dashboard?q="+url.QueryEscape(ord.No))
		if strings.Count(body, `data-no="`) != 1 {
			t.Errorf("search by number: %d rows", strings.Count(body, `data-no="`))
		}
		// The session is a signed cookie: the second instance takes it.
		c2 := boardClient(t)
		for _, ck := range c.Jar.Cookies(u) {
			u2, _ := url.Parse(srvs[1].URL)
			c2.Jar.SetCookies(u2, []*http.Cookie{ck})
		}
		if resp, body := get(t, c2, srvs[1].URL+"/api/v1/metrics/on-time"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"rate"`) {
			t.Fatalf("second instance: %d %s", resp.StatusCode, body)
		}
		// Polls: 304 while nothing changes.
		resp, _ = get(t, c, base+"/dashboard/board", "X-Board-Poll", "1")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || etag == "" {
			t.Fatalf("poll: %d etag %q", resp.StatusCode, etag)
		}
		if resp, _ := get(t, c, base+"/dashboard/board", "X-Board-Poll", "1", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Fatalf("unchanged poll: %d", resp.StatusCode)
		}
		// The panes: open tickets and pending transfers, with what is overdue
		// counted by the escalation ladders' first levels (service.Overdue).
		if resp, body := get(t, c, base+"/dashboard/tickets"); resp.StatusCode != http.StatusOK || !strings.Contains(body, tk.No) || !strings.Contains(body, "接单超时 0") {
			t.Errorf("tickets pane: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := get(t, c, base+"/dashboard/transfers"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "在途") || !strings.Contains(body, "超时 ") {
			t.Errorf("transfers pane: %d\n%s", resp.StatusCode, body)
		}
		// An action without the CSRF token is refused, with it done.
		if resp, _ := postForm(t, c, base+"/dashboard/tickets/"+tk.No+"/ack", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("ack without csrf: %d", resp.StatusCode)
		}
		_, body = get(t, c, base+"/dashboard/orders/"+ord.No)
		m := csrfField.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, tk.No) {
			t.Fatalf("detail has no form or ticket:\n%s", body)
		}
		resp, _ = postForm(t, c, base+"/dashboard/tickets/"+tk.No+"/ack", url.Values{"csrf": {m[1]}, "return": {"/dashboard/orders/" + ord.No}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=") {
			t.Fatalf("ack: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		got, err := a.tickets.Get(ctx, tk.No)
		if err != nil || got.State != model.TicketAcknowledged || got.AckAt == nil {
			t.Fatalf("ticket after ack: %+v %v", got.Ticket, err)
		}
		// The board changed, so the poll answers 200 with a new ETag.
		if resp, _ := get(t, c, base+"/dashboard/board", "X-Board-Poll", "1", "If-None-Match", etag); resp.StatusCode != http.StatusOK {
			t.Fatalf("poll after a change: %d", resp.StatusCode)
		}
		// Advancing without the fields the next stage needs says what is missing.
		resp, _ = postForm(t, c, base+"/dashboard/orders/"+ord.No+"/advance", url.Values{"csrf": {m[1]}, "to": {"confirmed"}})
		loc, _ := url.QueryUnescape(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "承诺送达时间") {
			t.Fatalf("advance without fields: %d %s", resp.StatusCode, loc)
		}
		resp, _ = postForm(t, c, base+"/dashboard/orders/"+ord.No+"/advance", url.Values{"csrf": {m[1]}, "to": {"confirmed"}, "field.promised_at": {"2030-01-02 18:00"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=") {
			t.Fatalf("advance: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		d, _ := a.orders.Get(ctx, ord.No)
		if d.Order.Stage != "confirmed" || d.Events[len(d.Events)-1].Actor != "管理员(admin)" {
			t.Errorf("after advance: stage %s, last actor %s", d.Order.Stage, d.Events[len(d.Events)-1].Actor)
		}
		// Logging out ends it.
		resp, _ = postForm(t, c, base+"/dashboard/logout", url.Values{"csrf": {m[1]}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		if resp, _ := get(t, c, base+"/dashboard"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after logout: %d", resp.StatusCode)
		}
	})
}

// TestDashboardWeComOAuth logs in through WeCom web login against the
// demo's local WeCom: a supervisor and a lead get in, a keeper does not.
func TestDashboardWeComOAuth(t *testing.T) {
	a, srv := testApp(t, false, "")
	if _, err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	login := func(userid string) (*http.Client, *http.Response) {
		c := boardClient(t)
		resp, _ := get(t, c, srv.URL+"/dashboard/oauth?next=/dashboard/tickets")
		to := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(to, "/wecom/local/connect/oauth2/authorize?") || !strings.Contains(to, "appid=wwdemo0rderhub") {
			t.Fatalf("oauth start: %d %s", resp.StatusCode, to)
		}
		// The local WeCom asks who is logging in; the member answers.
		resp, body := get(t, c, srv.URL+to)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "userid") {
			t.Fatalf("authorize page: %d", resp.StatusCode)
		}
		// (A browser drops WeCom's #wechat_redirect fragment from the request.)
		to, _, _ = strings.Cut(to, "#")
		resp, _ = get(t, c, srv.URL+to+"&userid="+userid)
		back := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.Contains(back, "/dashboard/oauth/callback?") {
			t.Fatalf("authorize: %d %s", resp.StatusCode, back)
		}
		resp, _ = get(t, c, back)
		return c, resp
	}
	for _, uid := range []string{"zhenggang", "qianqiang", "fengjun"} {
		c, resp := login(uid)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard/tickets" {
			t.Fatalf("%s: %d %s", uid, resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := get(t, c, srv.URL+"/dashboard/tickets"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s after login: %d", uid, resp.StatusCode)
		}
	}
	c, resp := login("wangjg") // a keeper
	loc, _ := url.QueryUnescape(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc != "/dashboard/login?error=role" {
		t.Fatalf("keeper: %d %s", resp.StatusCode, loc)
	}
	if resp, _ := get(t, c, srv.URL+"/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("keeper got in: %d", resp.StatusCode)
	}
	// A code is good once, and a forged state is refused.
	if resp, _ := get(t, c, srv.URL+"/dashboard/oauth/callback?code=x&state=forged"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "error=") {
		t.Fatalf("forged state: %d", resp.StatusCode)
	}
	// A staff member deactivated after logging in is out at the next request.
	c, _ = login("zhenggang")
	if err := a.db.Model(&model.Staff{}).Where("user_id = ?", "zhenggang").Update("active", false).Error; err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, c, srv.URL+"/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivated staff: %d", resp.StatusCode)
	}
}

// TestRootLeadsToBoard: a browser pointed at the server's address is led to
// the board (and on to its login without a session), and the tab gets an
// icon instead of a JSON 404.
func TestRootLeadsToBoard(t *testing.T) {
	_, srvs := testApps(t, false, "", 1)
	base := srvs[0].URL
	c := boardClient(t)
	resp, _ := get(t, c, base+"/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("GET / = %d %q, want 302 to /dashboard", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, c, base+"/dashboard"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/dashboard/login") {
		t.Fatalf("then /dashboard = %d %q, want its login", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := get(t, c, base+"/favicon.ico")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" {
		t.Fatalf("favicon = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// An ICO directory (reserved 0, type 1, one image) holding a PNG.
	if len(body) < 30 || len(body) > 4096 || body[:4] != "\x00\x00\x01\x00" || !strings.Contains(body, "\x89PNG") {
		t.Fatalf("favicon is not a small icon: %d bytes % x", len(body), body[:min(len(body), 8)])
	}
}

// TestBoardHintDateIsAhead: the promise field's hint on an order's detail
// is a date ahead of today (it was a fixed 2026-12-01, soon in the past).
func TestBoardHintDateIsAhead(t *testing.T) {
	apps, srvs := testApps(t, false, "", 1)
	a, base := apps[0], srvs[0].URL
	if _, err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ord model.Order
	if err := a.db.Where("stage = ?", "submitted").Order("id").First(&ord).Error; err != nil {
		t.Fatal(err)
	}
	c := boardClient(t)
	if resp, _ := postForm(t, c, base+"/dashboard/login", url.Values{"token": {testToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, page := get(t, c, base+"/dashboard/orders/"+ord.No)
	m := regexp.MustCompile(`placeholder="(\d{4}-\d\d-\d\d \d\d:\d\d)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no promise hint on the detail:\n%s", page)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", m[1], a.cfg.Location())
	if err != nil || !at.After(time.Now()) {
		t.Errorf("the hint %q is not ahead of now", m[1])
	}
}
