package app

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/chatcli"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestDemoCorpOnlyEmbeddedOrOptedIn: the demo corp — the local WeCom with
// its OAuth page that logs anyone in as anyone, every staff member's
// messages, and a callback that takes the published token and AES key —
// is served by the embedded demo; a server on MySQL with no corp serves
// none of it, unless ORDERHUB_WECOM_LOCAL opts in, which is logged as
// insecure.
func TestDemoCorpOnlyEmbeddedOrOptedIn(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		serveWith := func(t *testing.T, local string) (*httptest.Server, string) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.AdminToken = testToken
			cfg.Secret = "test-secret-shared-by-every-instance-0123456789"
			cfg.Redis.Prefix = "oh_t_" + modeltest.RandomHex(6) + ":"
			cfg.Redis.Addr = modeltest.RedisAddr()
			if cfg.Redis.Addr == "" {
				cfg.Redis.Addr = miniredis.RunT(t).Addr()
			}
			if mysql {
				cfg.MySQLDSN = modeltest.FreshMySQLDatabase(t)
			}
			cfg.WeCom.Local = local
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)), service.SystemClock)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.Close)
			if _, err := a.SeedDemo(context.Background()); err != nil {
				t.Fatal(err)
			}
			var banner bytes.Buffer
			a.BotBanner(&banner)
			srv := httptest.NewServer(a.server.Handler())
			t.Cleanup(srv.Close)
			return srv, logs.String() + banner.String()
		}
		get := func(t *testing.T, url string) int {
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		demoCrypto, err := bot.NewCrypto(bot.DemoToken, bot.DemoAESKey, bot.DemoCorpID)
		if err != nil {
			t.Fatal(err)
		}
		say := func(base string) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return chatcli.PostCallback(ctx, http.DefaultClient, base, demoCrypto, chatcli.Message{
				ToUserName: bot.DemoCorpID, FromUserName: "wangjg", CreateTime: time.Now().Unix(), MsgType: "text",
				Content: "入库 BOLT-M8-30 SH 999", MsgID: modeltest.RandomHex(8), AgentID: "1000002",
			})
		}
		authorize := bot.LocalPath + "/connect/oauth2/authorize?appid=" + bot.DemoCorpID + "&redirect_uri=http%3A%2F%2Fx%2Fdashboard&response_type=code&scope=snsapi_base&state=s&userid=fengjun#wechat_redirect"
		inbox := bot.LocalPath + "/inbox?touser=wangjg"

		if !mysql {
			// The embedded demo keeps its demo corp.
			srv, _ := serveWith(t, "")
			if code := get(t, srv.URL+inbox); code != http.StatusOK {
				t.Fatalf("embedded demo: local inbox answered %d", code)
			}
			if err := say(srv.URL); err != nil {
				t.Fatalf("embedded demo: the demo corp's callback refused: %v", err)
			}
			return
		}

		t.Run("no corp, no opt-in", func(t *testing.T) {
			srv, logs := serveWith(t, "")
			for _, p := range []string{authorize, inbox, bot.LocalPath + "/cgi-bin/gettoken?corpid=" + bot.DemoCorpID + "&corpsecret=" + bot.DemoSecret} {
				if code := get(t, srv.URL+p); code != http.StatusNotFound {
					t.Errorf("GET %s answered %d, want 404", p, code)
				}
			}
			if err := say(srv.URL); err == nil {
				t.Error("the callback took a message signed with the demo token and AES key")
			}
			if !strings.Contains(logs, "WeCom is off") || strings.Contains(logs, bot.DemoAESKey) {
				t.Errorf("start-up should say WeCom is off and print no demo key:\n%s", logs)
			}
		})
		t.Run("opted in", func(t *testing.T) {
			srv, logs := serveWith(t, config.WeComLocalInsecure)
			if code := get(t, srv.URL+inbox); code != http.StatusOK {
				t.Errorf("opted in: local inbox answered %d", code)
			}
			if err := say(srv.URL); err != nil {
				t.Errorf("opted in: the demo corp's callback refused: %v", err)
			}
			if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "INSECURE") {
				t.Errorf("opting in was not logged as a warning:\n%s", logs)
			}
		})
	})
}
