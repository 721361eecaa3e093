// Package config holds orderhub's typed configuration: an optional YAML file
// (ORDERHUB_CONFIG) overlaid by ORDERHUB_* environment variables, validated
// before anything starts. The pipeline of stages, SLAs and roles are data here,
// not code.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration of one orderhub process.
type Config struct {
	HTTPAddr string `yaml:"http_addr" env:"HTTP_ADDR"`
	// PprofAddr, when set, serves Go's profiler (/debug/pprof/) on its own
	// listener, loopback only: for measuring, never on the public port.
	PprofAddr  string `yaml:"pprof_addr" env:"PPROF_ADDR"`
	DataDir    string `yaml:"data_dir" env:"DATA_DIR"`
	MySQLDSN   string `yaml:"mysql_dsn" env:"MYSQL_DSN"`
	AdminToken string `yaml:"admin_token" env:"ADMIN_TOKEN"`
	Timezone   string `yaml:"timezone" env:"TIMEZONE"`
	LogLevel   string `yaml:"log_level" env:"LOG_LEVEL"`
	LogFormat  string `yaml:"log_format" env:"LOG_FORMAT"`
	// DemoSeed seeds demo data into an empty embedded database on start.
	DemoSeed bool `yaml:"demo_seed" env:"DEMO_SEED"`
	// DemoHistory adds 90 days of past orders to a fresh demo seed, in the
	// background after the server is up.
	DemoHistory bool `yaml:"demo_history" env:"DEMO_HISTORY"`

	// MySQL holds the read replicas, in config/mysql.go.
	MySQL  MySQL  `yaml:"mysql" envPrefix:"MYSQL_"`
	Redis  Redis  `yaml:"redis" envPrefix:"REDIS_"`
	WeCom  WeCom  `yaml:"wecom" envPrefix:"WECOM_"`
	WeChat WeChat `yaml:"wechat"`

	// Secret signs public tracking links (/t/<token>). Every instance must
	// share it; the embedded demo generates one and keeps it in the data
	// dir. Changing it invalidates every link already handed out.
	Secret string `yaml:"secret" env:"SECRET"`
	// PublicURL is where buyers reach this server, for tracking links in
	// answers and subscribe messages (e.g. https://orders.example.com).
	PublicURL string `yaml:"public_url" env:"PUBLIC_URL"`
	// TrustedProxies are the addresses or CIDRs of the load balancers in
	// front of orderhub, whose X-Forwarded-For is believed for a client's
	// address (login rate limits, logs). Empty: the connection's address,
	// so a client cannot pick its own by sending the header.
	TrustedProxies []string `yaml:"trusted_proxies" env:"TRUSTED_PROXIES" envSeparator:","`
	// MiniProgram tunes the buyers' API.
	MiniProgram MiniProgram `yaml:"miniprogram" envPrefix:"MP_"`
	// Outbox tunes how chat replies and pushes are sent.
	Outbox Outbox `yaml:"outbox" envPrefix:"OUTBOX_"`

	// Roles lists every role a staff member may hold.
	Roles []string `yaml:"roles" env:"-"`
	// SupervisorRoles may move any order out of any stage.
	SupervisorRoles []string `yaml:"supervisor_roles" env:"-"`
	// Duties names the roles that do the work no stage owns (transfers,
	// cancelling, attaching files), so a role renamed in Roles is renamed
	// here too and checked at start, never silently left unassigned.
	Duties Duties `yaml:"duties" env:"-"`
	// Leads names each role's lead role (keeper: keeper_lead): whom a
	// ladder's "@lead" pushes for a stage or transfer the role holds, who
	// is given a problem ticket on an order in the role's stage, who hears
	// of a leaver, and who "leads" means on the board. A lead's own lead
	// is a fellow lead; a role without an entry has none.
	Leads map[string]string `yaml:"leads" env:"-"`
	// Stages is the order pipeline, in order. The stage with key "shipped"
	// is where reserved stock leaves the warehouse.
	Stages []Stage `yaml:"stages" env:"-"`
	// CancelBefore is the first stage from which an order can no longer be
	// cancelled.
	CancelBefore string `yaml:"cancel_before"`
	// CustomerCancelBefore is the first stage from which a buyer can no
	// longer cancel by themselves (staff still can until cancel_before).
	CustomerCancelBefore string `yaml:"customer_cancel_before"`
	// Reserve tunes stock reservation.
	Reserve Reserve `yaml:"reserve" env:"-"`
	// Channels are the outside systems (1688, a Douyin shop, a POS) that
	// send orders to POST /api/v1/channels/{key}/orders, by key. Their
	// secrets may come from ORDERHUB_CHANNEL_<KEY>_SECRET (dynamicEnv).
	Channels map[string]Channel `yaml:"channels" env:"-"`
	// Intake tunes how channel orders, chat drafts and slip photos wait
	// for a person.
	Intake Intake `yaml:"intake" envPrefix:"INTAKE_"`
	// OCR picks the engine that reads slip photos.
	OCR OCR `yaml:"ocr" envPrefix:"OCR_"`
	// Escalation tunes the scanner that pushes people when an order, a
	// ticket or a transfer waits too long; the per-stage levels are in
	// Stages[i].Escalation.
	Escalation Escalation `yaml:"escalation" envPrefix:"ESCALATION_"`
	// Dashboard tunes the supervisors' board (/dashboard), its metrics and
	// the daily digest.
	Dashboard Dashboard `yaml:"dashboard" envPrefix:"DASHBOARD_"`
	// Practice is practice mode for new staff (练习), in config/practice.go.
	Practice Practice `yaml:"practice" envPrefix:"PRACTICE_"`
	// Backup keeps daily copies of the embedded database, in config/backup.go.
	Backup Backup `yaml:"backup" envPrefix:"BACKUP_"`
	// WorkTime is when the business works (shifts, weekdays, statutory
	// holidays), in config/worktime.go.
	WorkTime WorkTime `yaml:"work_time" envPrefix:"WORK_TIME_"`
	// SMS is Tencent Cloud SMS for buyers without the mini-program, in
	// config/sms.go.
	SMS SMS `yaml:"sms" envPrefix:"SMS_"`
	// Promise tunes the promised time proposed on confirmation, in
	// config/worktime.go.
	Promise Promise `yaml:"promise" envPrefix:"PROMISE_"`
	// Carriers are the carriers' tracking pushes, in config/carrier.go.
	Carriers Carriers `yaml:"carriers" envPrefix:"CARRIERS_"`
	// Stocking tunes the stocking lists, in config/stocking.go.
	Stocking Stocking `yaml:"stocking" envPrefix:"STOCKING_"`

	loc *time.Location
}

// Redis is where locks, dedupe keys, sessions and token caches live. With no
// address, orderhub runs an in-process Redis-compatible server.
type Redis struct {
	Addr     string `yaml:"addr" env:"ADDR"`
	Password string `yaml:"password" env:"PASSWORD"`
	DB       int    `yaml:"db" env:"DB"`
	Prefix   string `yaml:"prefix" env:"PREFIX"`
	// Sentinel and Cluster replace Addr for a Redis that survives a
	// node's loss; see config/redis.go.
	Sentinel RedisSentinel `yaml:"sentinel" envPrefix:"SENTINEL_"`
	Cluster  RedisCluster  `yaml:"cluster" envPrefix:"CLUSTER_"`
}

// Reserve tunes stock reservation.
type Reserve struct {
	// LockTTL bounds how long a per-SKU Redis lock may be held.
	LockTTL Duration `yaml:"lock_ttl"`
	// LockWait bounds how long a reservation waits for a per-SKU lock
	// before going on with the database's row locks alone.
	LockWait Duration `yaml:"lock_wait"`
}

// Duration is a time.Duration written as Go writes durations ("90s", "2h").
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s or 2h", n.Value)
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText reads a Go duration string from the environment.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s or 2h", b)
	}
	*d = Duration(v)
	return nil
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Default returns the configuration used when nothing is set: the embedded
// single-machine demo.
func Default() Config {
	return Config{
		HTTPAddr:             ":8080",
		DataDir:              "./data",
		Timezone:             "Asia/Shanghai",
		LogLevel:             "info",
		LogFormat:            "text",
		DemoSeed:             true,
		DemoHistory:          true,
		Redis:                Redis{Prefix: "orderhub:"},
		WeCom:                WeCom{APIBase: "https://qyapi.weixin.qq.com"},
		WeChat:               WeChat{APIBase: "https://api.weixin.qq.com"},
		Roles:                append([]string(nil), DefaultRoles...),
		SupervisorRoles:      []string{"supervisor", "director", "admin"},
		Duties:               DefaultDuties(),
		Leads:                DefaultLeads(),
		Stages:               DefaultStages(),
		CancelBefore:         "shipped",
		CustomerCancelBefore: "picking",
		Reserve:              Reserve{LockTTL: Duration(5 * time.Second), LockWait: Duration(2 * time.Second)},
		Outbox:               Outbox{Poll: Duration(time.Second), BackoffBase: Duration(2 * time.Second), BackoffMax: Duration(5 * time.Minute), MaxAttempts: 30},
		Escalation:           DefaultEscalation(),
		Dashboard: Dashboard{Roles: []string{"leads", "supervisor", "director"}, AtRisk: 0.75, OTIFWindow: Duration(7 * 24 * time.Hour),
			DigestAt: "08:30", DigestRoles: []string{"supervisor", "director"}, SessionTTL: Duration(7 * 24 * time.Hour)},
		Intake:   Intake{ReviewRole: "customer_service", DraftTTL: Duration(30 * time.Minute)},
		Practice: DefaultPractice(),
		Backup:   Backup{Keep: 7},
		MySQL:    DefaultMySQL(),
		WorkTime: DefaultWorkTime(),
		SMS:      DefaultSMS(),
		Promise:  DefaultPromise(),
		Stocking: DefaultStocking(),
		OCR:      OCR{Engine: "tesseract", Tesseract: "tesseract"},
		MiniProgram: MiniProgram{
			SessionTTL: Duration(7 * 24 * time.Hour), WriteLimit: 30, WriteWindow: Duration(time.Minute),
			LoginLimit: 10, LoginWindow: Duration(time.Minute),
			Page: "pages/order/detail?no={no}", State: "formal",
		},
	}
}

// Load reads the YAML file named by ORDERHUB_CONFIG (if any), applies the
// environment overrides, and validates the result.
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	if path := getenv("ORDERHUB_CONFIG"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: ORDERHUB_CONFIG: %w", err)
		}
		if err := Parse(b, &c); err != nil {
			return c, err
		}
	}
	if err := applyEnv(&c, getenv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Parse overlays YAML onto c. Unknown keys are an error so a typo never
// silently falls back to a default.
func Parse(b []byte, c *Config) error {
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	// An empty file is no error: yaml reports io.EOF for no documents.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// Embedded reports whether orderhub runs its own database (no MySQL DSN).
func (c *Config) Embedded() bool { return c.MySQLDSN == "" }

// Location is the time zone times are shown in.
func (c *Config) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// Validate checks the configuration; each error names the key at fault.
func (c *Config) Validate() error {
	if c.HTTPAddr == "" {
		return errors.New("config: http_addr (ORDERHUB_HTTP_ADDR): must not be empty")
	}
	if c.DataDir == "" {
		return errors.New("config: data_dir (ORDERHUB_DATA_DIR): must not be empty")
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("config: pprof_addr (ORDERHUB_PPROF_ADDR): %q is not a loopback host:port (the profiler is never served publicly)", c.PprofAddr)
		}
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return fmt.Errorf("config: timezone (ORDERHUB_TIMEZONE): unknown zone %q", c.Timezone)
	}
	c.loc = loc
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level (ORDERHUB_LOG_LEVEL): %q is not debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: log_format (ORDERHUB_LOG_FORMAT): %q is not text or json", c.LogFormat)
	}
	if c.MySQLDSN != "" && !strings.Contains(c.MySQLDSN, "parseTime=") {
		return errors.New("config: mysql_dsn (ORDERHUB_MYSQL_DSN): must set parseTime=True, e.g. user:pass@tcp(host:3306)/orderhub?charset=utf8mb4&parseTime=True&loc=UTC")
	}
	if err := c.missingOffEmbedded(); err != nil {
		return err
	}
	if c.AdminToken != "" && len(c.AdminToken) < 12 {
		return errors.New("config: admin_token (ORDERHUB_ADMIN_TOKEN): must be at least 12 characters")
	}
	if err := c.validateRedis(); err != nil {
		return err
	}
	if c.Redis.DB < 0 {
		return errors.New("config: redis.db (ORDERHUB_REDIS_DB): must be >= 0")
	}
	if c.WeCom.Local != "" && c.WeCom.Local != WeComLocalInsecure {
		return fmt.Errorf("config: wecom.local (ORDERHUB_WECOM_LOCAL): must be empty or %q", WeComLocalInsecure)
	}
	if c.WeCom.Local != "" && c.WeCom.CorpID != "" {
		return errors.New("config: wecom.local (ORDERHUB_WECOM_LOCAL): only without wecom.corp_id; a configured corp never plays the demo corp")
	}
	if c.WeCom.CorpID != "" {
		if c.WeCom.Token == "" || c.WeCom.AESKey == "" || c.WeCom.Secret == "" || c.WeCom.AgentID == 0 {
			return errors.New("config: wecom: corp_id is set, so agent_id, secret, token and aes_key are required too (ORDERHUB_WECOM_*)")
		}
		if len(c.WeCom.AESKey) != 43 {
			return errors.New("config: wecom.aes_key (ORDERHUB_WECOM_AES_KEY): must be the 43-character EncodingAESKey")
		}
	}
	if c.WeChat.AppID != "" && c.WeChat.AppSecret == "" {
		return errors.New("config: wechat.app_secret (ORDERHUB_MP_APP_SECRET): required when app_id is set")
	}
	if err := c.validateMiniProgram(); err != nil {
		return err
	}
	if err := c.validateOutbox(); err != nil {
		return err
	}
	if c.Reserve.LockTTL.D() <= 0 {
		return errors.New("config: reserve.lock_ttl: must be > 0")
	}
	if c.Reserve.LockWait.D() < 0 {
		return errors.New("config: reserve.lock_wait: must be >= 0")
	}
	if err := c.validateStages(); err != nil {
		return err
	}
	if err := c.validateDashboard(); err != nil {
		return err
	}
	if err := c.validateIntake(); err != nil {
		return err
	}
	if err := c.validateBackup(); err != nil {
		return err
	}
	if err := c.validateMySQL(); err != nil {
		return err
	}
	if err := c.validatePractice(); err != nil {
		return err
	}
	if err := c.validateWorkTime(); err != nil {
		return err
	}
	if err := c.validateSMS(); err != nil {
		return err
	}
	if err := c.validatePromise(); err != nil {
		return err
	}
	if err := c.validateStocking(); err != nil {
		return err
	}
	return c.validateEscalation()
}
