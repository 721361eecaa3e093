// Package localwecom is a WeCom-compatible API server that keeps what it
// is sent: gettoken, message/send, media/upload and media/get on WeCom's
// paths, with WeCom's JSON and errcodes. Tests use it as the WeCom double;
// the embedded demo serves it under /wecom/local so that `orderhub chat`
// can read the app messages orderhub sends (the local inbox).
package localwecom

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Sent is one app message the server accepted.
type Sent struct {
	ID      int             `json:"id"`
	ToUser  string          `json:"touser"`
	MsgType string          `json:"msgtype"`
	Content string          `json:"content"` // text/markdown content, else the raw body
	Raw     json.RawMessage `json:"raw"`
	At      time.Time       `json:"at"`
}

// Server is the local WeCom. The zero value is not usable; call New.
type Server struct {
	corpID, secret string

	mu        sync.Mutex
	token     string
	tokens    int // gettoken calls
	down      bool
	failNext  int // message/send calls to fail with errcode -1 (system busy)
	sent      []Sent
	media     map[string][]byte
	sendCalls int
	mux       *http.ServeMux
	// codes are the response codes of interactive cards sent, each usable
	// once; updates are the card updates accepted.
	codes   map[string]bool
	updates []Update
	robots  []Sent
	// oauthCodes are the web-login codes issued, code → userid, each
	// usable once.
	oauthCodes map[string]string
	// dir is the directory department/list and user/simplelist answer.
	dir directory
}

// Update is one update_template_card call the server accepted.
type Update struct {
	UserIDs      []string `json:"userids"`
	ResponseCode string   `json:"response_code"`
	ReplaceName  string   `json:"replace_name"`
}

// New returns a server that accepts corpID and secret at gettoken.
func New(corpID, secret string) *Server {
	s := &Server{corpID: corpID, secret: secret, media: map[string][]byte{}, mux: http.NewServeMux(), codes: map[string]bool{}, oauthCodes: map[string]string{}}
	s.mux.HandleFunc("/cgi-bin/message/update_template_card", s.updateCard)
	s.mux.HandleFunc("/cgi-bin/webhook/send", s.webhook)
	s.mux.HandleFunc("/cgi-bin/gettoken", s.gettoken)
	s.mux.HandleFunc("/cgi-bin/message/send", s.send)
	s.mux.HandleFunc("/cgi-bin/media/upload", s.upload)
	s.mux.HandleFunc("/cgi-bin/media/get", s.get)
	s.mux.HandleFunc("/inbox", s.inbox)
	s.mux.HandleFunc("/connect/oauth2/authorize", s.authorize)
	s.mux.HandleFunc("/cgi-bin/auth/getuserinfo", s.getuserinfo)
	s.mux.HandleFunc("/cgi-bin/department/list", s.departmentList)
	s.mux.HandleFunc("/cgi-bin/user/simplelist", s.userSimpleList)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		// As a WeCom outage looks from here: the gateway answers 502.
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// SetDown makes every API call fail (502) until SetDown(false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Revoke invalidates the current access token, as WeCom may do early.
func (s *Server) Revoke() {
	s.mu.Lock()
	s.token = ""
	s.mu.Unlock()
}

// FailNext makes the next n message/send calls answer errcode -1.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// Sent returns the messages accepted so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// TokenCalls is how many times gettoken was called.
func (s *Server) TokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

// PutMedia stores a file as uploaded media and returns its media id.
func (s *Server) PutMedia(b []byte) string {
	id := "media-" + random()
	s.mu.Lock()
	s.media[id] = b
	s.mu.Unlock()
	return id
}

func random() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func errcode(w http.ResponseWriter, code int, msg string) {
	reply(w, map[string]any{"errcode": code, "errmsg": msg})
}

func (s *Server) gettoken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens++
	if r.URL.Query().Get("corpid") != s.corpID {
		errcode(w, 40013, "invalid corpid")
		return
	}
	if r.URL.Query().Get("corpsecret") != s.secret {
		errcode(w, 40001, "invalid credential")
		return
	}
	if s.token == "" {
		s.token = "tok-" + random()
	}
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": s.token, "expires_in": 7200})
}

// checkToken answers 41001/42001 itself and returns false on a bad token.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		errcode(w, 41001, "access_token missing")
		return false
	}
	if tok != s.token {
		errcode(w, 42001, "access_token expired")
		return false
	}
	return true
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendCalls++
	if r.Method != http.MethodPost {
		errcode(w, 43002, "require POST method")
		return
	}
	if !s.checkToken(w, r) {
		return
	}
	if s.failNext > 0 {
		s.failNext--
		errcode(w, -1, "system busy")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		errcode(w, 47001, "data format error")
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		errcode(w, 47001, "data format error")
		return
	}
	var to, typ string
	_ = json.Unmarshal(req["touser"], &to)
	_ = json.Unmarshal(req["msgtype"], &typ)
	if to == "" {
		errcode(w, 40003, "invalid userid")
		return
	}
	inner, ok := req[typ]
	if !ok {
		errcode(w, 40008, "invalid message type")
		return
	}
	var c struct {
		Content string `json:"content"`
	}
	_ = json.Unmarshal(inner, &c)
	content := c.Content
	if content == "" {
		content = string(inner)
	}
	// WeCom's size limits (doc 90236), so that a reply too long for WeCom
	// fails here too: text 2048 bytes, markdown 4096.
	if limit := map[string]int{"text": 2048, "markdown": 4096}[typ]; limit > 0 && len(c.Content) > limit {
		errcode(w, 45002, "content size out of limit")
		return
	}
	id := len(s.sent) + 1
	s.sent = append(s.sent, Sent{ID: id, ToUser: to, MsgType: typ, Content: content, Raw: body, At: time.Now()})
	out := map[string]any{"errcode": 0, "errmsg": "ok", "msgid": "m" + strconv.Itoa(id)}
	if typ == "template_card" {
		// As WeCom does: a code that updates this card for every receiver.
		code := "rc-" + random()
		s.codes[code] = true
		out["response_code"] = code
	}
	reply(w, out)
}

// IssueCode makes a response code as a click's callback carries one, for
// tests that play the click.
func (s *Server) IssueCode() string {
	code := "rc-" + random()
	s.mu.Lock()
	s.codes[code] = true
	s.mu.Unlock()
	return code
}

// Updates returns the card updates accepted so far.
func (s *Server) Updates() []Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Update(nil), s.updates...)
}

// Robots returns the group-robot messages accepted so far; ToUser is the
// webhook key.
func (s *Server) Robots() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.robots...)
}

// updateCard is update_template_card (doc 94888): each response code
// works once.
func (s *Server) updateCard(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	var req struct {
		UserIDs      []string `json:"userids"`
		ResponseCode string   `json:"response_code"`
		Button       struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		errcode(w, 47001, "data format error")
		return
	}
	if !s.codes[req.ResponseCode] {
		errcode(w, 86229, "invalid response_code")
		return
	}
	delete(s.codes, req.ResponseCode)
	s.updates = append(s.updates, Update{UserIDs: req.UserIDs, ResponseCode: req.ResponseCode, ReplaceName: req.Button.ReplaceName})
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// webhook is a group robot's webhook/send?key=.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.URL.Query().Get("key")
	if key == "" {
		errcode(w, 93000, "invalid webhook url")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		errcode(w, 47001, "data format error")
		return
	}
	var req struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	_ = json.Unmarshal(body, &req)
	s.robots = append(s.robots, Sent{ID: len(s.robots) + 1, ToUser: key, MsgType: req.MsgType, Content: req.Markdown.Content, Raw: body, At: time.Now()})
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.checkToken(w, r)
	s.mu.Unlock()
	if !ok {
		return
	}
	f, _, err := r.FormFile("media")
	if err != nil {
		errcode(w, 41005, "media data missing")
		return
	}
	b, err := io.ReadAll(io.LimitReader(f, 10<<20))
	if err != nil {
		errcode(w, 41005, "media data missing")
		return
	}
	id := s.PutMedia(b)
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": "image", "media_id": id, "created_at": strconv.FormatInt(time.Now().Unix(), 10)})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	b, ok := s.media[r.URL.Query().Get("media_id")]
	if !ok {
		errcode(w, 40007, "invalid media_id")
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(b)
}

// inbox lists accepted messages to one user after an id: the local inbox
// `orderhub chat` reads. last is the newest id overall.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("touser")
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Sent{}
	for _, m := range s.sent {
		if m.ID <= after {
			continue
		}
		for _, u := range splitUsers(m.ToUser) {
			if u == user || user == "" {
				out = append(out, m)
				break
			}
		}
	}
	reply(w, map[string]any{"messages": out, "last": len(s.sent)})
}

func splitUsers(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '|' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
