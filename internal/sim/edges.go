package sim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"orderhub/bot"
	"orderhub/bot/localwecom"
)

// Edges is how the simulation reaches orderhub: only over HTTP, as the
// mini-program, WeCom and a staff tool would.
type Edges struct {
	base   string
	admin  string
	client *http.Client
	crypto *bot.Crypto
	msgID  atomic.Int64

	mu      sync.Mutex
	boxes   map[string]*mailbox
	cursor  int
	mediaID string

	// hold, when set (Play sets the clock's Hold), is taken by every call
	// into orderhub until it is answered: an API call until its response,
	// a chat message until its answer reaches the person (awaiting).
	hold func() (release func())
	// now is the business clock WeCom stamps callbacks with (orderhub
	// refuses a stale timestamp); nil: the real clock.
	now      func() time.Time
	awaitMu  sync.Mutex
	awaiting map[string][]await
}

// await is a chat message waiting for its answer.
type await struct {
	sent    time.Time
	release func()
}

// answerWait is how long a chat message holds the clock at most: the
// simulated person's own wait for an answer (ask) gives up then too.
const answerWait = 8 * time.Second

// expect holds the clock until user's next answer arrives.
func (e *Edges) expect(user string) {
	if e.hold == nil {
		return
	}
	r := e.hold()
	e.awaitMu.Lock()
	defer e.awaitMu.Unlock()
	if e.awaiting == nil {
		e.awaiting = map[string][]await{}
	}
	e.awaiting[user] = append(e.awaiting[user], await{sent: time.Now(), release: r})
}

// answered releases user's oldest message waiting for its answer.
func (e *Edges) answered(user string) {
	e.awaitMu.Lock()
	defer e.awaitMu.Unlock()
	if q := e.awaiting[user]; len(q) > 0 {
		q[0].release()
		e.awaiting[user] = q[1:]
	}
}

// expireAwaits releases the messages whose answer has not come within
// answerWait (the ask gives up on them too).
func (e *Edges) expireAwaits() {
	e.awaitMu.Lock()
	defer e.awaitMu.Unlock()
	for u, q := range e.awaiting {
		for len(q) > 0 && time.Since(q[0].sent) > answerWait {
			q[0].release()
			q = q[1:]
		}
		e.awaiting[u] = q
	}
}

// Msg is one app message orderhub sent to a WeCom user.
type Msg struct {
	ID      int    `json:"id"`
	ToUser  string `json:"touser"`
	MsgType string `json:"msgtype"`
	Content string `json:"content"`
	At      time.Time
}

type mailbox struct {
	mu   sync.Mutex
	msgs []Msg
	wake chan struct{}
}

// NewEdges talks to the orderhub served at base (http://host:port) with
// the staff API's admin token, as the demo WeCom corp (no corp id set).
func NewEdges(base, admin string) (*Edges, error) {
	crypto, err := bot.NewCrypto(bot.DemoToken, bot.DemoAESKey, bot.DemoCorpID)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}
	e := &Edges{base: strings.TrimRight(base, "/"), admin: admin, client: &http.Client{Timeout: 20 * time.Second, Transport: tr},
		crypto: crypto, boxes: map[string]*mailbox{}}
	e.msgID.Store(time.Now().UnixNano() / 1000)
	return e, nil
}

// APIError is an answer of orderhub's JSON APIs other than 2xx.
type APIError struct {
	Status  int
	Code    string
	Message string
	Body    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// JSON calls a JSON route; bearer is the admin token or a buyer's session.
func (e *Edges) JSON(ctx context.Context, method, path, bearer string, hdr map[string]string, in, out any) error {
	if e.hold != nil && !strings.HasPrefix(path, bot.LocalPath) {
		defer e.hold()()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var eb struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &eb)
		return &APIError{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message, Body: string(b)}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Staff calls the staff API with the admin token.
func (e *Edges) Staff(ctx context.Context, method, path string, in, out any) error {
	return e.JSON(ctx, method, "/api/v1"+path, e.admin, nil, in, out)
}

type callbackXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content,omitempty"`
	PicURL       string   `xml:"PicUrl,omitempty"`
	MediaID      string   `xml:"MediaId,omitempty"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`
}

// Say posts a text message from user to the WeCom callback, encrypted and
// signed as WeCom does.
func (e *Edges) Say(ctx context.Context, user, text string) error {
	return e.callback(ctx, callbackXML{FromUserName: user, MsgType: "text", Content: text})
}

// SendPhoto uploads jpeg to the local WeCom as media and posts an image
// message from user, as the WeCom app does when someone sends a photo.
func (e *Edges) SendPhoto(ctx context.Context, user string, jpeg []byte) error {
	id, err := e.media(ctx, jpeg)
	if err != nil {
		return err
	}
	return e.callback(ctx, callbackXML{FromUserName: user, MsgType: "image", MediaID: id, PicURL: e.base + bot.LocalPath + "/media/" + id})
}

func (e *Edges) callback(ctx context.Context, m callbackXML) error {
	e.expect(m.FromUserName)
	now := time.Now()
	if e.now != nil {
		now = e.now()
	}
	m.ToUserName, m.CreateTime, m.AgentID = bot.DemoCorpID, now.Unix(), strconv.Itoa(bot.DemoAgentID)
	m.MsgID = strconv.FormatInt(e.msgID.Add(1), 10)
	plain, err := xml.Marshal(m)
	if err != nil {
		return err
	}
	enc, err := e.crypto.Encrypt(plain)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := strconv.FormatInt(now.UnixNano()%1e9, 10)
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[%s]]></AgentID></xml>", m.ToUserName, enc, m.AgentID)
	q := url.Values{"msg_signature": {e.crypto.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	// WeCom retries a callback that fails; so do we, a few times.
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/wecom/callback?"+q.Encode(), strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "text/xml")
		resp, err := e.client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("callback answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
		}
		last = err
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

// media uploads the waybill photo once and reuses its media id (WeCom
// keeps media three days).
func (e *Edges) media(ctx context.Context, jpeg []byte) (string, error) {
	e.mu.Lock()
	id := e.mediaID
	e.mu.Unlock()
	if id != "" {
		return id, nil
	}
	id, err := localwecom.Upload(ctx, e.client, e.base+bot.LocalPath, bot.DemoCorpID, bot.DemoSecret, "waybill.jpg", jpeg)
	if err != nil {
		return "", fmt.Errorf("local wecom: %w", err)
	}
	e.mu.Lock()
	e.mediaID = id
	e.mu.Unlock()
	return id, nil
}

func (e *Edges) box(user string) *mailbox {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.boxes[user]
	if b == nil {
		b = &mailbox{wake: make(chan struct{}, 1)}
		e.boxes[user] = b
	}
	return b
}

// Poll reads the local WeCom's inbox until ctx ends, handing each message
// to the mailbox of every user it was sent to.
func (e *Edges) Poll(ctx context.Context, every time.Duration) error {
	// Start after whatever was sent before the simulation began.
	if _, err := e.readInbox(ctx, -1); err != nil {
		return err
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		e.expireAwaits()
		if _, err := e.readInbox(ctx, e.cursor); err != nil && ctx.Err() == nil {
			continue // the next tick tries again
		}
	}
}

func (e *Edges) readInbox(ctx context.Context, after int) (int, error) {
	var out struct {
		Messages []Msg `json:"messages"`
		Last     int   `json:"last"`
	}
	if err := e.JSON(ctx, http.MethodGet, bot.LocalPath+"/inbox?"+url.Values{"touser": {""}, "after": {strconv.Itoa(max(after, 0))}}.Encode(), "", nil, nil, &out); err != nil {
		return 0, err
	}
	if after < 0 {
		e.cursor = out.Last
		return out.Last, nil
	}
	now := time.Now()
	for _, m := range out.Messages {
		if m.ID <= e.cursor {
			continue
		}
		e.cursor = m.ID
		m.At = now
		for _, u := range strings.Split(m.ToUser, "|") {
			if !isPush(m) {
				e.answered(u)
			}
			b := e.box(u)
			b.mu.Lock()
			b.msgs = append(b.msgs, m)
			b.mu.Unlock()
			select {
			case b.wake <- struct{}{}:
			default:
			}
		}
	}
	return out.Last, nil
}

// Take returns and clears what user has received so far.
func (e *Edges) Take(user string) []Msg {
	b := e.box(user)
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.msgs
	b.msgs = nil
	return out
}

// Wait returns a channel that is signalled when user receives something.
func (e *Edges) Wait(user string) <-chan struct{} { return e.box(user).wake }

// Channel posts a channel order as the channel does: the raw body signed
// with HMAC-SHA256 over timestamp + "\n" + body. It returns the status and
// the order number when one was placed.
func (e *Edges) Channel(ctx context.Context, channel, secret string, body []byte) (int, string, error) {
	now := time.Now()
	if e.now != nil {
		now = e.now()
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n"))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/api/v1/channels/"+channel+"/orders", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Orderhub-Timestamp", ts)
	req.Header.Set("X-Orderhub-Signature", hex.EncodeToString(mac.Sum(nil)))
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, "", fmt.Errorf("channel order: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	var out struct {
		Order struct {
			No string `json:"no"`
		} `json:"order"`
	}
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out.Order.No, nil
}

// ErrNoReply is a command that got no answer in time.
var ErrNoReply = errors.New("no reply from orderhub")
