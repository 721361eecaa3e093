package localwecom

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// OAuth (网页授权): in WeCom, opening the app's menu link in the WeCom
// client redirects to open.weixin.qq.com/connect/oauth2/authorize, which
// sends the browser back to redirect_uri with a one-time code; the app
// turns the code into the member's userid with cgi-bin/auth/getuserinfo.
// Locally there is no WeCom client to know who is asking, so the
// authorize page asks for the userid (or takes it as ?userid=), as the
// member the WeCom client would have been logged in as.

var authorizePage = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>本地企业微信 · 网页授权</title></head>
<body style="font-family: sans-serif; max-width: 420px; margin: 2rem auto">
<h1>本地企业微信 · 网页授权</h1>
<p>在真实的企业微信里，这一步由客户端自动完成。本地演示请填写以哪位成员的身份登录（userid）：</p>
<form method="get">
{{range $k, $v := .}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}
<input name="userid" required placeholder="例如 zhengjl"> <button type="submit">授权登录</button>
</form></body></html>`))

// authorize issues a code for the userid and redirects back.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	if q.Get("appid") != s.corpID || redirect == "" {
		http.Error(w, "appid or redirect_uri wrong", http.StatusBadRequest)
		return
	}
	uid := strings.TrimSpace(q.Get("userid"))
	if uid == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q.Del("userid")
		_ = authorizePage.Execute(w, q)
		return
	}
	code := "code-" + random()
	s.mu.Lock()
	s.oauthCodes[code] = uid
	s.mu.Unlock()
	u, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// getuserinfo turns a code into a userid, once, as cgi-bin/auth/getuserinfo
// does (errcode 40029 for a code that is unknown or used).
func (s *Server) getuserinfo(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	code := r.URL.Query().Get("code")
	s.mu.Lock()
	uid, ok := s.oauthCodes[code]
	delete(s.oauthCodes, code)
	s.mu.Unlock()
	if !ok {
		errcode(w, 40029, "invalid code")
		return
	}
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": uid, "user_ticket": ""})
}

// IssueOAuthCode returns a web-login code for userid, as the authorize
// step would.
func (s *Server) IssueOAuthCode(userID string) string {
	code := "code-" + random()
	s.mu.Lock()
	s.oauthCodes[code] = userID
	s.mu.Unlock()
	return code
}
