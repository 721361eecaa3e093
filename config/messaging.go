package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// WeCom is the Enterprise WeChat self-built app staff talk to.
type WeCom struct {
	CorpID  string `yaml:"corp_id" env:"CORP_ID"`
	AgentID int    `yaml:"agent_id" env:"AGENT_ID"`
	Secret  string `yaml:"secret" env:"SECRET"`
	Token   string `yaml:"token" env:"TOKEN"`
	AESKey  string `yaml:"aes_key" env:"AES_KEY"`
	APIBase string `yaml:"api_base" env:"API_BASE"`
	// Local lets a server on MySQL with no corp play the demo corp (its
	// local WeCom under /wecom/local and the published token and AES key)
	// when set to WeComLocalInsecure. Anyone who reaches the port can then
	// log in as any staff member, so it is for a private test network only;
	// without it such a server runs with WeCom off.
	Local string `yaml:"local" env:"LOCAL"`
}

// WeComLocalInsecure is the one value of wecom.local that turns the demo
// corp on outside the embedded mode; the name says what it costs.
const WeComLocalInsecure = "insecure-test-network"

// WeChat is the mini-program buyers order in.
type WeChat struct {
	APIBase   string `yaml:"api_base" env:"WECHAT_API_BASE"`
	AppID     string `yaml:"app_id" env:"MP_APP_ID"`
	AppSecret string `yaml:"app_secret" env:"MP_APP_SECRET"`
}

// MiniProgram tunes the buyers' API under /api/mp/v1.
type MiniProgram struct {
	// SessionTTL is how long a login token lives in Redis.
	SessionTTL Duration `yaml:"session_ttl" env:"SESSION_TTL"`
	// WriteLimit is how many writes (orders, cancels, reports) one buyer
	// may make per WriteWindow, counted in Redis across instances.
	WriteLimit  int      `yaml:"write_limit" env:"WRITE_LIMIT"`
	WriteWindow Duration `yaml:"write_window" env:"WRITE_WINDOW"`
	// LoginLimit is how many logins one client address, and one buyer,
	// may attempt per LoginWindow; each attempt may cost a call to WeChat.
	LoginLimit  int      `yaml:"login_limit" env:"LOGIN_LIMIT"`
	LoginWindow Duration `yaml:"login_window" env:"LOGIN_WINDOW"`
	// Templates are the subscribe-message (订阅消息) template ids; an empty
	// id sends nothing for that event.
	Templates Templates `yaml:"templates" envPrefix:"TEMPLATE_"`
	// Page is the mini-program page a subscribe message opens; "{no}" is
	// replaced by the order number.
	Page string `yaml:"page" env:"PAGE"`
	// State is miniprogram_state for subscribe messages: formal, trial or
	// developer.
	State string `yaml:"state" env:"STATE"`
	// ServicePhone is the company's service line. The public tracking
	// page shows it to call instead of a staff member's masked mobile;
	// "" shows the masked mobile alone.
	ServicePhone string `yaml:"service_phone" env:"SERVICE_PHONE"`
}

// Templates are subscribe-message template ids, one per event a buyer is
// told about.
type Templates struct {
	Shipped   string `yaml:"shipped" env:"SHIPPED"`
	Delivered string `yaml:"delivered" env:"DELIVERED"`
	Delay     string `yaml:"delay" env:"DELAY"`
	// Ticket is for updates of a problem the buyer reported.
	Ticket string `yaml:"ticket" env:"TICKET"`
	// Stocking is for the buyer's stocking list before their company's
	// busy days (opens the list, not an order).
	Stocking string `yaml:"stocking" env:"STOCKING"`
}

// Outbox tunes the dispatcher that sends what the outbox table holds.
type Outbox struct {
	// Poll is how often due messages are looked for when nothing wakes
	// the dispatcher.
	Poll Duration `yaml:"poll" env:"POLL"`
	// BackoffBase is the first retry delay after a failed send; each
	// further failure doubles it, up to BackoffMax.
	BackoffBase Duration `yaml:"backoff_base" env:"BACKOFF_BASE"`
	BackoffMax  Duration `yaml:"backoff_max" env:"BACKOFF_MAX"`
	// MaxAttempts is how many sends fail before a message is marked failed
	// (GET /api/v1/outbox?state=failed).
	MaxAttempts int `yaml:"max_attempts" env:"MAX_ATTEMPTS"`
}

// OCR configures slip reading: tesseract (the default; when the binary is
// missing the reply says so), wechat, or none.
type OCR struct {
	Engine string `yaml:"engine" env:"ENGINE"`
	// Tesseract is the binary to run; "tesseract" on PATH by default.
	Tesseract string `yaml:"tesseract" env:"TESSERACT"`
	// AppID and AppSecret are the WeChat account (official account or
	// mini-program) whose cv/ocr/comm quota is used, for engine wechat;
	// the API base is wechat.api_base.
	AppID     string `yaml:"app_id" env:"APP_ID"`
	AppSecret string `yaml:"app_secret" env:"APP_SECRET"`
}

// missingOffEmbedded names, in one error, every setting that embedded
// mode generates but MySQL mode needs from the admin: one start-up
// attempt tells them all they must set.
func (c *Config) missingOffEmbedded() error {
	if c.Embedded() {
		return nil
	}
	var missing []string
	if c.AdminToken == "" {
		missing = append(missing, "admin_token (ORDERHUB_ADMIN_TOKEN): it guards the staff API")
	}
	if c.Secret == "" {
		missing = append(missing, "secret (ORDERHUB_SECRET): at least 32 characters; every instance must share it to sign tracking links and board sessions")
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return errors.New("config: " + missing[0] + " (required when mysql_dsn is set)")
	}
	return errors.New("config: required when mysql_dsn is set, all missing: " + strings.Join(missing, "; "))
}

func (c *Config) validateMiniProgram() error {
	if c.Secret != "" && len(c.Secret) < 32 {
		return errors.New("config: secret (ORDERHUB_SECRET): must be at least 32 characters")
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		return errors.New("config: public_url (ORDERHUB_PUBLIC_URL): must start with http:// or https://")
	}
	for i, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("config: trusted_proxies[%d] (ORDERHUB_TRUSTED_PROXIES): %q is not an address or a CIDR", i, p)
			}
		}
	}
	mp := c.MiniProgram
	if mp.SessionTTL.D() < time.Minute {
		return errors.New("config: miniprogram.session_ttl (ORDERHUB_MP_SESSION_TTL): must be at least 1m")
	}
	if mp.WriteLimit < 1 {
		return errors.New("config: miniprogram.write_limit (ORDERHUB_MP_WRITE_LIMIT): must be >= 1")
	}
	if mp.WriteWindow.D() < time.Second {
		return errors.New("config: miniprogram.write_window (ORDERHUB_MP_WRITE_WINDOW): must be at least 1s")
	}
	if mp.LoginLimit < 1 {
		return errors.New("config: miniprogram.login_limit (ORDERHUB_MP_LOGIN_LIMIT): must be >= 1")
	}
	if mp.LoginWindow.D() < time.Second {
		return errors.New("config: miniprogram.login_window (ORDERHUB_MP_LOGIN_WINDOW): must be at least 1s")
	}
	switch mp.State {
	case "formal", "trial", "developer":
	default:
		return fmt.Errorf("config: miniprogram.state (ORDERHUB_MP_STATE): %q is not formal, trial or developer", mp.State)
	}
	return nil
}

func (c *Config) validateOutbox() error {
	o := c.Outbox
	switch {
	case o.Poll.D() < 10*time.Millisecond:
		return errors.New("config: outbox.poll (ORDERHUB_OUTBOX_POLL): must be at least 10ms")
	case o.BackoffBase.D() < time.Millisecond:
		return errors.New("config: outbox.backoff_base (ORDERHUB_OUTBOX_BACKOFF_BASE): must be at least 1ms")
	case o.BackoffMax < o.BackoffBase:
		return errors.New("config: outbox.backoff_max (ORDERHUB_OUTBOX_BACKOFF_MAX): must be >= outbox.backoff_base")
	case o.MaxAttempts < 1:
		return errors.New("config: outbox.max_attempts (ORDERHUB_OUTBOX_MAX_ATTEMPTS): must be >= 1")
	}
	return nil
}
