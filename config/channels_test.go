package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"orderhub/config"
)

func TestChannelsFromFileAndEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	yaml := `
channels:
  shop1688:
    name: 1688店
    preset: "1688"
    fields: {baseInfo.buyerID: customer.code}
  pos:
    secret: yaml-secret-0123456789
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(env(map[string]string{"ORDERHUB_CONFIG": path, "ORDERHUB_CHANNEL_SHOP1688_SECRET": "env-secret-0123456789", "ORDERHUB_CHANNEL_NOPE_SECRET": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Channels["shop1688"].Secret != "env-secret-0123456789" || c.Channels["pos"].Preset != "native" || len(c.Channels) != 2 {
		t.Errorf("channels = %+v", c.Channels)
	}
	bad := []struct{ yaml, want string }{
		{"channels: {shop: {secret: short}}", "channels.shop.secret (ORDERHUB_CHANNEL_SHOP_SECRET)"},
		{"channels: {Shop: {secret: long-enough-secret-1}}", "channels.Shop: a channel key"},
		{"channels: {api: {secret: long-enough-secret-1}}", "orderhub's own channels"},
		{"channels: {x: {secret: long-enough-secret-1, preset: taobao}}", "channels.x.preset"},
		{"channels: {x: {secret: long-enough-secret-1, fields: {a: customer.age}}}", "channels.x.fields[a]"},
		{"intake: {review_role: nobody}", "intake.review_role"},
		{"ocr: {engine: wechat}", "config: ocr"},
	}
	for _, tc := range bad {
		if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(env(map[string]string{"ORDERHUB_CONFIG": path}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
