package ocr_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/silenceper/wechat/v2/util"

	"orderhub/internal/ocr"
	"orderhub/internal/wxsdk"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestWeChatOCR runs the WeChat engine against a local server speaking
// WeChat's protocol: the access token from /cgi-bin/token (fetched once,
// then cached in Redis), the image as multipart "img" to /cv/ocr/comm, and
// the items joined into lines by position.
func TestWeChatOCR(t *testing.T) {
	var tokens, calls atomic.Int32
	img := []byte("\x89PNG fake image bytes")
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		if r.URL.Query().Get("appid") != "wxocr" || r.URL.Query().Get("secret") != "ocr-secret" {
			_, _ = io.WriteString(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
			return
		}
		_, _ = io.WriteString(w, `{"access_token":"TOKEN-1","expires_in":7200}`)
	})
	mux.HandleFunc("/cv/ocr/comm", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("access_token") != "TOKEN-1" {
			_, _ = io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
			return
		}
		f, _, err := r.FormFile("img")
		if err != nil {
			http.Error(w, "no img", http.StatusBadRequest)
			return
		}
		got, _ := io.ReadAll(f)
		if string(got) != string(img) {
			http.Error(w, "wrong image", http.StatusBadRequest)
			return
		}
		item := func(text string, x, y int) map[string]any {
			return map[string]any{"text": text, "pos": map[string]any{
				"left_top": map[string]int{"x": x, "y": y}, "right_top": map[string]int{"x": x + 100, "y": y},
				"right_bottom": map[string]int{"x": x + 100, "y": y + 30}, "left_bottom": map[string]int{"x": x, "y": y + 30}}}
		}
		// Out of order, as the API may answer; "20盒" a little lower than
		// its item, as a hand-written column is.
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 0, "errmsg": "ok", "items": []any{
			item("20盒", 400, 96), item("客户：宏达机电", 20, 40), item("六角螺栓 M8", 20, 90), item("NUT-M8", 20, 140), item("10", 400, 141),
		}, "img_size": map[string]int{"w": 600, "h": 200}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	util.SetURIModifier(wxsdk.RewriteHost("https://api.weixin.qq.com", srv.URL))
	t.Cleanup(func() { util.SetURIModifier(nil) })
	rdb, prefix := modeltest.Redis(t)

	eng := ocr.NewWeChat("wxocr", "ocr-secret", rdb, prefix)
	for i := 0; i < 2; i++ {
		text, err := eng.Text(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		if want := "客户：宏达机电\n六角螺栓 M8 20盒\nNUT-M8 10\n"; text != want {
			t.Fatalf("text = %q, want %q", text, want)
		}
		q, _ := service.ReadSlip(text)
		if q.Customer != "宏达机电" || len(q.Lines) != 2 || q.Lines[0].Qty != 20 || q.Lines[0].Unit != "盒" || q.Lines[1].Name != "NUT-M8" {
			t.Fatalf("slip = %+v", q)
		}
	}
	if tokens.Load() != 1 || calls.Load() != 2 {
		t.Errorf("token fetched %d times, OCR called %d times", tokens.Load(), calls.Load())
	}
	bad := ocr.NewWeChat("wrong", "x", rdb, prefix+"other:")
	if _, err := bad.Text(context.Background(), img); err == nil || !strings.Contains(err.Error(), "access token") {
		t.Errorf("bad credentials = %v", err)
	}
}
