package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/util"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/tcsms"
	"orderhub/internal/webhook"
	"orderhub/miniprogram"
	"orderhub/service"
)

// mpParts is the mini-program side of one process.
type mpParts struct {
	wechat   *miniprogram.WeChat // nil with no app id (the demo)
	notifier *miniprogram.Notifier
}

// newMiniProgram builds the WeChat client (with an app id) and the
// subscribe-message notifier; the outbox sends with the notifier.
func newMiniProgram(cfg config.Config, rdb redis.UniversalClient, log *slog.Logger) *mpParts {
	p := &mpParts{}
	var sub miniprogram.Subscriber
	if cfg.WeChat.AppID != "" {
		p.wechat = miniprogram.NewWeChat(cfg.WeChat.AppID, cfg.WeChat.AppSecret, rdb, cfg.Redis.Prefix)
		sub = p.wechat
	}
	p.notifier = miniprogram.NewNotifier(sub, cfg.MiniProgram, cfg.Location(), log)
	return p
}

// outboxSender is what the one outbox dispatcher sends with: subscribe
// messages to buyers through WeChat, everything else through WeCom.
func (a *App) outboxSender(wecom service.Sender) (service.Sender, error) {
	targets := map[string]webhook.Target{}
	for key, ch := range a.cfg.Channels {
		if ch.Webhook != "" {
			targets[key] = webhook.Target{URL: ch.Webhook, Secret: ch.Secret}
		}
	}
	r := routeSender{wecom: wecom, mp: a.mp.notifier, hooks: webhook.New(targets, webhook.DefaultClient(), a.clock)}
	if a.cfg.SMS.Enabled() {
		sms, err := tcsms.New(a.cfg.SMS, a.cfg.Location())
		if err != nil {
			return nil, err
		}
		r.sms = sms
	}
	return r, nil
}

type routeSender struct{ wecom, mp, hooks, sms service.Sender }

func (r routeSender) Send(ctx context.Context, m service.Outgoing) error {
	if m.MsgType == service.MsgTypeSubscribe {
		return r.mp.Send(ctx, m)
	}
	if m.MsgType == service.MsgTypeSMS {
		if r.sms == nil {
			return &service.UndeliverableError{Reason: "sms is not configured (sms.sdk_app_id)"}
		}
		return r.sms.Send(ctx, m)
	}
	if m.MsgType == service.MsgTypeChannelWebhook {
		return r.hooks.Send(ctx, m)
	}
	return r.wecom.Send(ctx, m)
}

// installSDK points silenceper/wechat at the API bases this app uses
// (WeChat's for the mini-program, WeCom's for the bot), given as values,
// and bounds its sends. The library keeps both the URI modifier and its
// HTTP client in package variables read by every call, most of which take
// no context to carry an app's choice: per-app routing cannot be had from
// it, so the one hook is installed here, once per wiring, from explicit
// arguments. Two apps in one process (only tests do that) share the last
// one installed.
func installSDK(wechatBase, wecomBase string) {
	wechat := miniprogram.RewriteAPIBase(wechatBase)
	wecom := bot.RewriteAPIBase(wecomBase)
	util.SetURIModifier(func(uri string) string { return wechat(wecom(uri)) })
	// util.DefaultHTTPClient has no timeout: a WeCom that hangs would hold
	// a send (and its row) forever.
	if util.DefaultHTTPClient == http.DefaultClient {
		util.DefaultHTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
}

// trackingSecret returns the configured secret or, in embedded mode, the
// one kept in the data dir (made on first start), so tracking links stay
// valid across restarts of the demo.
func trackingSecret(cfg config.Config) (string, error) {
	if cfg.Secret != "" {
		return cfg.Secret, nil
	}
	if !cfg.Embedded() {
		return "", errors.New("config: secret (ORDERHUB_SECRET): required when mysql_dsn is set")
	}
	path := filepath.Join(cfg.DataDir, "secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(raw)
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("secret: %w", err)
	}
	return secret, nil
}
