package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/silenceper/wechat/v2/util"

	"orderhub/config"
	"orderhub/miniprogram"
	"orderhub/service"
)

// wireMiniProgram builds the buyers' API and mounts it, with the public
// tracking page and the staff endpoints for buyers.
func (a *app) wireMiniProgram(clock service.Clock) error {
	cfg := a.cfg
	secret, err := trackingSecret(cfg)
	if err != nil {
		return err
	}
	installURIRewrites(cfg)
	d := miniprogram.Deps{
		Buyers: service.NewBuyers(a.db, clock), Catalog: a.catalog, Orders: a.orders,
		Tracking: service.NewTracking(secret, a.orders),
		Redis:    a.rdb, Prefix: cfg.Redis.Prefix, Config: cfg.MiniProgram, PublicURL: cfg.PublicURL,
		Location: cfg.Location(), Log: a.log,
	}
	if cfg.WeChat.AppID != "" {
		d.WeChat = miniprogram.NewWeChat(cfg.WeChat.AppID, cfg.WeChat.AppSecret, a.rdb, cfg.Redis.Prefix)
	}
	miniprogram.New(d).Mount(a.server.Engine(), a.server.Staff())
	return nil
}

// installURIRewrites points silenceper/wechat at the configured API bases.
// Its URI modifier is one process-wide hook, so both hosts (WeChat's for
// the mini-program, WeCom's for the bot) are rewritten here, once.
func installURIRewrites(cfg config.Config) {
	wechat := miniprogram.RewriteAPIBase(cfg.WeChat.APIBase)
	wecomBase := strings.TrimRight(cfg.WeCom.APIBase, "/")
	util.SetURIModifier(func(uri string) string {
		if rest, ok := strings.CutPrefix(uri, "https://qyapi.weixin.qq.com"); ok && wecomBase != "" {
			return wecomBase + rest
		}
		return wechat(uri)
	})
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
