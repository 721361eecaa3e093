package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Channel is one outside system that sends orders, signed with its secret.
type Channel struct {
	// Name is what people see (e.g. 1688店); the key when empty.
	Name string `yaml:"name"`
	// Secret is the HMAC-SHA256 key; ORDERHUB_CHANNEL_<KEY>_SECRET wins.
	Secret string `yaml:"secret"`
	// Preset is the body shape: native, 1688, douyin or pos.
	Preset string `yaml:"preset"`
	// Fields adds or overrides mappings: {their JSON path: our field}.
	Fields map[string]string `yaml:"fields"`
	// Webhook, when set, is told of each stage change of the channel's
	// orders (a signed POST through the outbox).
	Webhook string `yaml:"webhook"`
}

// Intake tunes review and drafts.
type Intake struct {
	// ReviewRole is the role told in WeCom when an order waits for review.
	ReviewRole string `yaml:"review_role" env:"REVIEW_ROLE"`
	// DraftTTL is how long a chat or photo draft waits for 确认.
	DraftTTL Duration `yaml:"draft_ttl" env:"DRAFT_TTL"`
}

// ChannelPresets are the body shapes a channel may declare.
var ChannelPresets = []string{"native", "1688", "douyin", "pos"}

// reservedChannels are order channels orderhub itself uses.
var reservedChannels = map[string]bool{"api": true, "miniprogram": true, "wecom": true, "slip": true}

func validChannelKey(k string) bool {
	if k == "" || len(k) > 16 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (c *Config) validateIntake() error {
	for key, ch := range c.Channels {
		switch {
		case !validChannelKey(key):
			return fmt.Errorf("config: channels.%s: a channel key is 1 to 16 of a-z, 0-9 and _", key)
		case reservedChannels[key]:
			return fmt.Errorf("config: channels.%s: %q is one of orderhub's own channels; pick another key", key, key)
		case len(ch.Secret) < 16:
			return fmt.Errorf("config: channels.%s.secret (%s): must be at least 16 characters", key, ChannelSecretEnv(key))
		}
		if ch.Preset == "" {
			ch.Preset = "native"
			c.Channels[key] = ch
		}
		ok := false
		for _, p := range ChannelPresets {
			ok = ok || p == ch.Preset
		}
		if !ok {
			return fmt.Errorf("config: channels.%s.preset: %q is not one of %s", key, ch.Preset, strings.Join(ChannelPresets, ", "))
		}
		if ch.Webhook != "" && !strings.HasPrefix(ch.Webhook, "https://") && !strings.HasPrefix(ch.Webhook, "http://") {
			return fmt.Errorf("config: channels.%s.webhook: %q is not an http(s) URL", key, ch.Webhook)
		}
		for from, to := range ch.Fields {
			if !ValidIntakeField(to) {
				return fmt.Errorf("config: channels.%s.fields[%s]: %q is not one of our fields (%s)", key, from, to, strings.Join(IntakeFields, ", "))
			}
		}
	}
	known := false
	for _, r := range c.Roles {
		known = known || r == c.Intake.ReviewRole
	}
	if !known {
		return fmt.Errorf("config: intake.review_role (ORDERHUB_INTAKE_REVIEW_ROLE): %q is not one of roles", c.Intake.ReviewRole)
	}
	if c.Intake.DraftTTL.D() < time.Minute {
		return errors.New("config: intake.draft_ttl (ORDERHUB_INTAKE_DRAFT_TTL): must be at least 1m")
	}
	switch c.OCR.Engine {
	case "tesseract", "none":
	case "wechat":
		if c.OCR.AppID == "" || c.OCR.AppSecret == "" {
			return errors.New("config: ocr: engine wechat needs app_id and app_secret (ORDERHUB_OCR_APP_ID, ORDERHUB_OCR_APP_SECRET)")
		}
	default:
		return fmt.Errorf("config: ocr.engine (ORDERHUB_OCR_ENGINE): %q is not tesseract, wechat or none", c.OCR.Engine)
	}
	return nil
}

// IntakeFields are the fields of orderhub's native channel order that a
// channel's fields mapping may fill.
var IntakeFields = []string{
	"external_id", "customer.code", "customer.name", "customer.phone",
	"address", "address.province", "address.city", "address.district", "address.detail",
	"remark", "promised_at", "lines[].sku", "lines[].code", "lines[].name", "lines[].qty",
}

// ValidIntakeField reports whether f is one of IntakeFields.
func ValidIntakeField(f string) bool {
	for _, x := range IntakeFields {
		if x == f {
			return true
		}
	}
	return false
}
