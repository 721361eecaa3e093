package bot_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"orderhub/bot"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// WeCom's published WXBizMsgCrypt sample (docs/WECOM.md).
const (
	vToken  = "QDG6eK"
	vAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vCorpID = "wx5823bf96d3bd56c7"
	vEcho   = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	vPost   = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

func TestOfficialVectors(t *testing.T) {
	c, err := bot.NewCrypto(vToken, vAESKey, vCorpID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Verify("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", vEcho) {
		t.Error("GET vector: signature does not verify")
	}
	plain, err := c.Decrypt(vEcho)
	if err != nil || string(plain) != "1616140317555161061" {
		t.Errorf("GET vector: got %q, %v", plain, err)
	}
	if !c.Verify("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", vPost) {
		t.Error("POST vector: signature does not verify")
	}
	plain, err = c.Decrypt(vPost)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mycreate", "hello", "4561255354251345929", "218"} {
		if !strings.Contains(string(plain), want) {
			t.Errorf("POST vector: plaintext lacks %q: %s", want, plain)
		}
	}
	other, _ := bot.NewCrypto(vToken, vAESKey, "wwsomeoneelse")
	if _, err := other.Decrypt(vPost); err != bot.ErrCorpID {
		t.Errorf("decrypt for another corp: got %v, want ErrCorpID", err)
	}
	if c.Verify("477715d11cdb4164915debcba66cb864d751f3e7", "1409659813", "1372623149", vPost) {
		t.Error("a forged signature verified")
	}
}

// The console's URL check has no time window: the 2014 vector passes.
func TestVerifyURLWithOfficialVector(t *testing.T) {
	db := modeltest.SQLite(t)
	rdb, prefix := modeltest.Redis(t)
	c, _ := bot.NewCrypto(vToken, vAESKey, vCorpID)
	inbox := service.NewInbox(db, service.SystemClock)
	g := gin.New()
	bot.NewCallback(c, inbox, bot.NewRunner(&bot.Bot{}, inbox, func() {}, modeltest.Log(), bot.RunnerOptions{}), rdb, prefix, service.SystemClock, modeltest.Log()).Mount(g)
	q := url.Values{"msg_signature": {"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"}, "timestamp": {"1409659589"}, "nonce": {"263014780"}, "echostr": {vEcho}}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wecom/callback?"+q.Encode(), nil))
	if rec.Code != 200 || rec.Body.String() != "1616140317555161061" {
		t.Fatalf("GET: %d %q", rec.Code, rec.Body.String())
	}
	q.Set("msg_signature", "0000000000000000000000000000000000000000")
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wecom/callback?"+q.Encode(), nil))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("forged GET: %d", rec.Code)
	}
	// The POST vector is signed correctly but dated 2014: a replay.
	pq := url.Values{"msg_signature": {"477715d11cdb4164915debcba66cb864d751f3e6"}, "timestamp": {"1409659813"}, "nonce": {"1372623149"}}
	rec = httptest.NewRecorder()
	body := "<xml><ToUserName><![CDATA[" + vCorpID + "]]></ToUserName><Encrypt><![CDATA[" + vPost + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	g.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/wecom/callback?"+pq.Encode(), strings.NewReader(body)))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "stale") {
		t.Fatalf("replayed POST vector: %d %s", rec.Code, rec.Body)
	}
}
