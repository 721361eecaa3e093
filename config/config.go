// Package config holds orderhub's typed configuration: an optional YAML file
// (ORDERHUB_CONFIG) overlaid by ORDERHUB_* environment variables, validated
// before anything starts. The pipeline of stages, SLAs and roles are data here,
// not code.
package config

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
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
}

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

// Reserve tunes stock reservation.
type Reserve struct {
	// LockTTL bounds how long a per-SKU Redis lock may be held.
	LockTTL Duration `yaml:"lock_ttl"`
	// LockWait bounds how long a reservation waits for a per-SKU lock
	// before going on with the database's row locks alone.
	LockWait Duration `yaml:"lock_wait"`
}

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

// Duties are the roles behind the work that no stage of the pipeline owns.
type Duties struct {
	// TransferKeeper is the role a new transfer is assigned to (its holder
	// in the source warehouse) and who is told when one is on its way; its
	// lead is the transfer ladder's "@lead".
	TransferKeeper string `yaml:"transfer_keeper"`
	// Transfers may dispatch and receive transfers (besides the
	// supervisor roles).
	Transfers []string `yaml:"transfers"`
	// Cancel may cancel an order in any stage before cancel_before
	// (besides the stage's owner and the supervisor roles).
	Cancel []string `yaml:"cancel"`
	// Attach may attach files (waybill photos) to an order in any stage
	// (besides the stage's owner).
	Attach []string `yaml:"attach"`
	// Stock may book goods in (入库) and correct stock by a count (盘点)
	// in chat (besides the supervisor roles).
	Stock []string `yaml:"stock"`
	// OrderTaking may take phone and fax orders in chat: drafts typed
	// (下单) or read from a slip photo, confirmed or discarded (besides
	// the supervisor roles).
	OrderTaking []string `yaml:"order_taking"`
	// Tickets may handle any ticket and see every open one in chat
	// (besides its assignee, whoever it was pushed to, and the supervisor
	// roles).
	Tickets []string `yaml:"tickets"`
	// Audit are told what the nightly stock audit found; when nobody
	// holds one of them, the supervisor roles are.
	Audit []string `yaml:"audit"`
	// Aftercare is the role that answers for an order no stage holds any
	// more (delivered, cancelled): a buyer's problem on it is assigned to
	// one of its holders, and the ticket's "@lead" is their lead. Empty:
	// the first stage's owner role (who took the order in).
	Aftercare string `yaml:"aftercare"`
}

// DefaultLeads are the leads of the business as it works today.
func DefaultLeads() map[string]string {
	return map[string]string{"keeper": "keeper_lead", "picker": "picker_lead", "qc": "qc_lead", "dispatcher": "dispatcher_lead",
		"customer_service": "cs_lead"}
}

// DefaultDuties are the duties of the business as it works today.
func DefaultDuties() Duties {
	return Duties{
		TransferKeeper: "keeper",
		Transfers:      []string{"keeper", "keeper_lead"},
		Cancel:         []string{"customer_service"},
		Attach:         []string{"dispatcher", "keeper", "dispatcher_lead", "keeper_lead"},
		Stock:          []string{"keeper", "keeper_lead"},
		OrderTaking:    []string{"customer_service", "cs_lead", "keeper", "keeper_lead"},
		Tickets:        []string{"keeper_lead", "picker_lead", "qc_lead", "dispatcher_lead", "cs_lead", "production_director"},
		Audit:          []string{"admin"},
		Aftercare:      "customer_service",
	}
}

// Stage is one step of the order pipeline.
type Stage struct {
	Key       string `yaml:"key"`
	Name      string `yaml:"name"`
	OwnerRole string `yaml:"owner_role"`
	// Requires names the fields an order must carry to enter this stage.
	Requires []string `yaml:"requires"`
	// SLA is how long an order is expected to stay in this stage; it drives
	// ETAs and deadlines. Zero means no clock.
	SLA Duration `yaml:"sla"`
	// Escalation lists who is pushed, and when, while an order sits in
	// this stage: level 1 first, each later level after a longer wait.
	Escalation []Level `yaml:"escalation"`
}

// Level is one rung of an escalation ladder.
type Level struct {
	// After is the time waited (in the stage; since the ticket opened; since
	// the transfer was created) before this level fires.
	After Duration `yaml:"after"`
	// Notify lists roles; every active staff member holding one is pushed.
	// "@lead" means the lead of the role that owns the order's stage.
	Notify []string `yaml:"notify"`
	// Webhook is the key of a WeCom group robot that is told too (optional).
	Webhook string `yaml:"webhook"`
	// Quiet is a local time window ("22:00-07:00") in which this level
	// waits; it fires when the window ends, never dropped.
	Quiet string `yaml:"quiet"`
}

// LeadToken in a level's notify list means the lead of the order's
// stage-owner role (keeper → keeper_lead).
const LeadToken = "@lead"

// HolderToken in a level's notify list means the person holding the work
// now: the order's owner, the ticket's assignee, the transfer's assignee.
// A level that notifies only the holder is a nudge, sent before the
// clock runs out with the one action to take: it opens no ticket, and the
// lead's level follows only if the work did not move.
const HolderToken = "@holder"

// Escalation tunes the escalation scanner.
type Escalation struct {
	// ScanEvery is how often due alerts are looked for.
	ScanEvery Duration `yaml:"scan_every" env:"SCAN_EVERY"`
	// Cards sends level pushes as interactive template cards (接单 / 已处理
	// buttons); it needs the app's callback URL. Off: text cards, acked by
	// chat command.
	Cards bool `yaml:"cards" env:"CARDS"`
	// GroupOver: a person who would get more than this many pushes in one
	// scan gets one grouped message instead.
	GroupOver int `yaml:"group_over" env:"GROUP_OVER"`
	// NudgeGap: a holder is nudged at most once in this long; what comes
	// due meanwhile waits and goes out together, as one message (or is
	// left to the next level when that comes first). 0: no gap.
	NudgeGap Duration `yaml:"nudge_gap" env:"NUDGE_GAP"`
	// TicketAck and TicketResolve are every ticket's own ladders: not
	// acknowledged within…, not resolved within….
	TicketAck     []Level `yaml:"ticket_ack" env:"-"`
	TicketResolve []Level `yaml:"ticket_resolve" env:"-"`
	// Transfers is the ladder of a transfer not received in time.
	Transfers []Level `yaml:"transfers" env:"-"`
	// TransferDispatch is the ladder of a transfer the sending warehouse
	// has not dispatched (发出) in time: the first step's own clock.
	TransferDispatch []Level `yaml:"transfer_dispatch" env:"-"`
	// DelayCouponFen, when > 0, records a compensation coupon of this many
	// fen on an order that will miss its promised time (once per order).
	DelayCouponFen int64 `yaml:"delay_coupon_fen" env:"DELAY_COUPON_FEN"`
}

// Dashboard tunes the supervisors' war room.
type Dashboard struct {
	// Roles may open the board by WeCom OAuth; "leads" stands for every
	// role ending in _lead. The admin token always may.
	Roles []string `yaml:"roles" env:"ROLES"`
	// AtRisk is the share of a stage's SLA after which an order shows as
	// at risk (0 < at_risk < 1).
	AtRisk float64 `yaml:"at_risk" env:"AT_RISK"`
	// OTIFWindow is how long after delivery a missing-items or wrong-item
	// report still makes an order not "in full".
	OTIFWindow Duration `yaml:"otif_window" env:"OTIF_WINDOW"`
	// DigestAt is the local time ("08:30") the daily digest goes out;
	// empty: no digest.
	DigestAt string `yaml:"digest_at" env:"DIGEST_AT"`
	// DigestRoles receive the daily digest.
	DigestRoles []string `yaml:"digest_roles" env:"DIGEST_ROLES"`
	// SessionTTL is how long a board login lasts without being used.
	SessionTTL Duration `yaml:"session_ttl" env:"SESSION_TTL"`
	// RemarkTerms are the known requirements buyers write in remarks,
	// counted whole; empty: the built-in list.
	RemarkTerms []string `yaml:"remark_terms" env:"REMARK_TERMS"`
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

// DefaultRoles are the roles of the business as it works today.
var DefaultRoles = []string{
	"keeper", "picker", "qc", "dispatcher", "customer_service",
	"keeper_lead", "picker_lead", "qc_lead", "dispatcher_lead", "cs_lead",
	"supervisor", "production_director", "director", "admin",
}

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

// DefaultStages is the pipeline the business runs today. Each working
// stage escalates to its lead when its SLA runs out and to the
// production director at twice the SLA. A "@holder" nudge before the
// lead is available but not on by default: in the replay an alarm per
// order-stage slowed chat and shipping (docs/simulate-report.md).
func DefaultStages() []Stage {
	ladder := func(sla time.Duration, lead string) []Level {
		return []Level{
			{After: Duration(sla), Notify: []string{lead}},
			{After: Duration(2 * sla), Notify: []string{"production_director"}},
		}
	}
	return []Stage{
		{Key: "submitted", Name: "待确认", OwnerRole: "customer_service", SLA: Duration(2 * time.Hour), Escalation: ladder(2*time.Hour, "cs_lead")},
		{Key: "confirmed", Name: "已确认", OwnerRole: "keeper", Requires: []string{"promised_at"}, SLA: Duration(4 * time.Hour), Escalation: ladder(4*time.Hour, "keeper_lead")},
		{Key: "picking", Name: "配货中", OwnerRole: "picker", SLA: Duration(4 * time.Hour), Escalation: ladder(4*time.Hour, "picker_lead")},
		{Key: "qc", Name: "待质检", OwnerRole: "qc", Requires: []string{"qc_inspector"}, SLA: Duration(2 * time.Hour), Escalation: ladder(2*time.Hour, "qc_lead")},
		{Key: "packed", Name: "待发货", OwnerRole: "dispatcher", SLA: Duration(4 * time.Hour), Escalation: ladder(4*time.Hour, "dispatcher_lead")},
		{Key: "shipped", Name: "已发货", OwnerRole: "dispatcher", Requires: []string{"carrier", "tracking_no", "waybill_photo"}, SLA: Duration(48 * time.Hour)},
		{Key: "delivered", Name: "已签收"},
	}
}

// DefaultEscalation is the business's rule of thumb: a ticket is
// acknowledged within 17 minutes or its lead hears of it (its holder is
// reminded at 10), and resolved within 4 hours or the director does (the
// holder reminded at 3); a transfer arrives within 4 hours or the keeper
// lead hears of it, then the supervisor. A holder is nudged at most every
// half hour, and one person's pushes of a scan come as one message.
func DefaultEscalation() Escalation {
	return Escalation{
		ScanEvery: Duration(30 * time.Second),
		Cards:     true,
		GroupOver: 1,
		NudgeGap:  Duration(30 * time.Minute),
		TicketAck: []Level{{After: Duration(10 * time.Minute), Notify: []string{HolderToken}},
			{After: Duration(17 * time.Minute), Notify: []string{LeadToken}}},
		TicketResolve: []Level{{After: Duration(3 * time.Hour), Notify: []string{HolderToken}},
			{After: Duration(4 * time.Hour), Notify: []string{"director"}}},
		Transfers: []Level{
			{After: Duration(4 * time.Hour), Notify: []string{"keeper_lead"}},
			{After: Duration(8 * time.Hour), Notify: []string{"supervisor"}},
		},
		TransferDispatch: []Level{{After: Duration(2 * time.Hour), Notify: []string{"keeper_lead"}}},
		// The business compensates a delay with a ¥20 coupon (issue 28).
		DelayCouponFen: 2000,
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

// EnvPrefix starts the name of every environment variable orderhub reads.
// The names themselves are the `env` (and `envPrefix`) struct tags above,
// read by github.com/caarlos0/env: a new key gets its variable by a tag.
const EnvPrefix = "ORDERHUB_"

// EnvNames lists the environment variables orderhub reads, from the struct
// tags; docs/configuration.md must document each one.
func EnvNames() []string {
	params, err := env.GetFieldParamsWithOptions(&Config{}, env.Options{Prefix: EnvPrefix, Environment: map[string]string{}})
	if err != nil {
		panic(fmt.Sprintf("config: struct tags: %v", err)) // a tag typo, caught by every test
	}
	var names []string
	for _, p := range params {
		if p.OwnKey != "" {
			names = append(names, p.Key)
		}
	}
	return names
}

// DynamicEnv is an environment variable whose name carries a key that only
// the configuration knows (a map keyed by name, e.g. one secret per
// channel: ORDERHUB_CHANNEL_<KEY>_SECRET). Struct tags cannot name those,
// so each is one small hand-written entry of dynamicEnv: Pattern is the
// name as documented (the docs test checks it), Apply reads the variables
// for the keys already in c after the file is read.
type DynamicEnv struct {
	Pattern string
	Apply   func(c *Config, getenv func(string) string) error
}

// dynamicEnv lists the variables with computed names, in the order
// docs/configuration.md documents them.
var dynamicEnv = []DynamicEnv{
	{Pattern: "ORDERHUB_CHANNEL_<KEY>_SECRET", Apply: applyChannelEnv},
}

// ChannelSecretEnv names the variable that holds a channel's secret.
func ChannelSecretEnv(key string) string {
	return "ORDERHUB_CHANNEL_" + strings.ToUpper(key) + "_SECRET"
}

// applyChannelEnv reads ORDERHUB_CHANNEL_<KEY>_SECRET for every channel the
// YAML declares. A secret for a channel the YAML does not declare is not
// read, so a typo in a key cannot open an endpoint nobody configured.
func applyChannelEnv(c *Config, getenv func(string) string) error {
	for key, ch := range c.Channels {
		if v := getenv(ChannelSecretEnv(key)); v != "" {
			ch.Secret = v
			c.Channels[key] = ch
		}
	}
	return nil
}

// DynamicEnvPatterns lists the documented names of the computed variables.
func DynamicEnvPatterns() []string {
	out := make([]string, len(dynamicEnv))
	for i, d := range dynamicEnv {
		out[i] = d.Pattern
	}
	return out
}

// applyEnv overlays the environment onto c. An empty variable counts as
// unset. Each set variable is parsed on its own so an error names it.
func applyEnv(c *Config, getenv func(string) string) error {
	for _, name := range EnvNames() {
		v := getenv(name)
		if v == "" {
			continue
		}
		opts := env.Options{Prefix: EnvPrefix, Environment: map[string]string{name: v}}
		if err := env.ParseWithOptions(c, opts); err != nil {
			return fmt.Errorf("config: %s: %q %s", name, v, envReason(err))
		}
	}
	for _, d := range dynamicEnv {
		if err := d.Apply(c, getenv); err != nil {
			return err
		}
	}
	return nil
}

// envReason says in words what a variable's value should have been.
func envReason(err error) string {
	var pe env.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	switch {
	case pe.Type == reflect.TypeOf(Duration(0)):
		return "is not a duration like 30s or 2h"
	case pe.Type.Kind() == reflect.Bool:
		return "is not true or false"
	case pe.Type.Kind() >= reflect.Int && pe.Type.Kind() <= reflect.Uint64:
		return "is not a number"
	}
	return pe.Err.Error()
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

func (c *Config) validateEscalation() error {
	e := c.Escalation
	switch {
	case e.ScanEvery.D() < 100*time.Millisecond:
		return errors.New("config: escalation.scan_every (ORDERHUB_ESCALATION_SCAN_EVERY): must be at least 100ms")
	case e.NudgeGap < 0:
		return errors.New("config: escalation.nudge_gap (ORDERHUB_ESCALATION_NUDGE_GAP): must be >= 0")
	case e.GroupOver < 1:
		return errors.New("config: escalation.group_over (ORDERHUB_ESCALATION_GROUP_OVER): must be >= 1")
	case e.DelayCouponFen < 0:
		return errors.New("config: escalation.delay_coupon_fen (ORDERHUB_ESCALATION_DELAY_COUPON_FEN): must be >= 0")
	}
	roles := map[string]bool{LeadToken: true, HolderToken: true}
	for _, r := range c.Roles {
		roles[r] = true
	}
	for i, s := range c.Stages {
		if err := validateLadder(fmt.Sprintf("stages[%d].escalation", i), s.Escalation, roles); err != nil {
			return err
		}
	}
	for key, l := range map[string][]Level{"escalation.ticket_ack": e.TicketAck, "escalation.ticket_resolve": e.TicketResolve, "escalation.transfers": e.Transfers, "escalation.transfer_dispatch": e.TransferDispatch} {
		if err := validateLadder(key, l, roles); err != nil {
			return err
		}
	}
	return nil
}

// validateLadder checks one ladder: each level waits longer than the one
// before, notifies known roles, and has a readable quiet window.
func validateLadder(key string, levels []Level, roles map[string]bool) error {
	var prev time.Duration
	for i, l := range levels {
		k := fmt.Sprintf("config: %s[%d]", key, i)
		if l.After.D() <= 0 {
			return fmt.Errorf("%s.after: must be > 0", k)
		}
		if l.After.D() <= prev {
			return fmt.Errorf("%s.after: must be longer than the level before (%s)", k, prev)
		}
		prev = l.After.D()
		if len(l.Notify) == 0 && l.Webhook == "" {
			return fmt.Errorf("%s.notify: name at least one role (or a webhook)", k)
		}
		for j, r := range l.Notify {
			if !roles[r] {
				return fmt.Errorf("%s.notify[%d]: unknown role %q", k, j, r)
			}
		}
		if l.Quiet != "" {
			if _, _, err := ParseQuiet(l.Quiet); err != nil {
				return fmt.Errorf("%s.quiet: %v", k, err)
			}
		}
	}
	return nil
}

// ParseQuiet reads a quiet window "22:00-07:00" as minutes after local
// midnight; a window may wrap past midnight.
func ParseQuiet(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a window like 22:00-07:00", s)
	}
	parse := func(v string) (int, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%q is not a window like 22:00-07:00", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	if from, err = parse(a); err != nil {
		return 0, 0, err
	}
	if to, err = parse(b); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, fmt.Errorf("%q is an empty window", s)
	}
	return from, to, nil
}

func (c *Config) validateStages() error {
	roles := map[string]bool{}
	for i, r := range c.Roles {
		if r == "" {
			return fmt.Errorf("config: roles[%d]: must not be empty", i)
		}
		roles[r] = true
	}
	for i, r := range c.SupervisorRoles {
		if !roles[r] {
			return fmt.Errorf("config: supervisor_roles[%d]: unknown role %q", i, r)
		}
	}
	if err := c.validateDuties(roles); err != nil {
		return err
	}
	for _, role := range slices.Sorted(maps.Keys(c.Leads)) {
		if !roles[role] {
			return fmt.Errorf("config: leads: unknown role %q", role)
		}
		if !roles[c.Leads[role]] {
			return fmt.Errorf("config: leads.%s: unknown role %q", role, c.Leads[role])
		}
	}
	if len(c.Stages) < 2 {
		return errors.New("config: stages: a pipeline needs at least two stages")
	}
	seen := map[string]bool{}
	for i, s := range c.Stages {
		switch {
		case s.Key == "":
			return fmt.Errorf("config: stages[%d].key: must not be empty", i)
		case s.Key == "cancelled":
			return fmt.Errorf("config: stages[%d].key: %q is reserved for cancelled orders", i, s.Key)
		case seen[s.Key]:
			return fmt.Errorf("config: stages[%d].key: %q appears twice", i, s.Key)
		case s.Name == "":
			return fmt.Errorf("config: stages[%d].name: must not be empty", i)
		case i < len(c.Stages)-1 && s.OwnerRole == "":
			return fmt.Errorf("config: stages[%d].owner_role: must not be empty", i)
		case s.OwnerRole != "" && !roles[s.OwnerRole]:
			return fmt.Errorf("config: stages[%d].owner_role: unknown role %q", i, s.OwnerRole)
		case s.SLA < 0:
			return fmt.Errorf("config: stages[%d].sla: must be >= 0", i)
		}
		for j, f := range s.Requires {
			if f == "" || strings.ContainsAny(f, " =") {
				return fmt.Errorf("config: stages[%d].requires[%d]: %q is not a field name", i, j, f)
			}
		}
		seen[s.Key] = true
	}
	if !seen["shipped"] {
		return errors.New(`config: stages: the pipeline must have a stage with key "shipped" (where stock leaves the warehouse)`)
	}
	if !seen[c.CancelBefore] {
		return fmt.Errorf("config: cancel_before: %q is not a stage key", c.CancelBefore)
	}
	if !seen[c.CustomerCancelBefore] {
		return fmt.Errorf("config: customer_cancel_before: %q is not a stage key", c.CustomerCancelBefore)
	}
	return nil
}

// validateDuties: every duty names configured roles, so renaming a role
// without renaming its duties stops the start instead of leaving transfers
// unassigned and nobody allowed to receive them.
func (c *Config) validateDuties(roles map[string]bool) error {
	d := c.Duties
	if d.TransferKeeper == "" {
		return errors.New("config: duties.transfer_keeper: must name the role transfers are assigned to")
	}
	if !roles[d.TransferKeeper] {
		return fmt.Errorf("config: duties.transfer_keeper: unknown role %q", d.TransferKeeper)
	}
	if d.Aftercare != "" && !roles[d.Aftercare] {
		return fmt.Errorf("config: duties.aftercare: unknown role %q", d.Aftercare)
	}
	for key, list := range map[string][]string{"duties.transfers": d.Transfers, "duties.cancel": d.Cancel, "duties.attach": d.Attach,
		"duties.stock": d.Stock, "duties.order_taking": d.OrderTaking, "duties.tickets": d.Tickets, "duties.audit": d.Audit} {
		if len(list) == 0 {
			return fmt.Errorf("config: %s: name at least one role", key)
		}
		for i, r := range list {
			if !roles[r] {
				return fmt.Errorf("config: %s[%d]: unknown role %q", key, i, r)
			}
		}
	}
	return nil
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

func (c *Config) validateDashboard() error {
	d := c.Dashboard
	known := map[string]bool{"leads": true}
	for _, r := range c.Roles {
		known[r] = true
	}
	for i, r := range d.Roles {
		if !known[r] {
			return fmt.Errorf("config: dashboard.roles[%d] (ORDERHUB_DASHBOARD_ROLES): unknown role %q", i, r)
		}
	}
	for i, r := range d.DigestRoles {
		if !known[r] {
			return fmt.Errorf("config: dashboard.digest_roles[%d] (ORDERHUB_DASHBOARD_DIGEST_ROLES): unknown role %q", i, r)
		}
	}
	switch {
	case d.AtRisk <= 0 || d.AtRisk >= 1:
		return errors.New("config: dashboard.at_risk (ORDERHUB_DASHBOARD_AT_RISK): must be between 0 and 1, e.g. 0.75")
	case d.OTIFWindow.D() < time.Hour:
		return errors.New("config: dashboard.otif_window (ORDERHUB_DASHBOARD_OTIF_WINDOW): must be at least 1h")
	case d.SessionTTL.D() < time.Minute:
		return errors.New("config: dashboard.session_ttl (ORDERHUB_DASHBOARD_SESSION_TTL): must be at least 1m")
	}
	if d.DigestAt != "" {
		if _, err := time.Parse("15:04", d.DigestAt); err != nil {
			return fmt.Errorf("config: dashboard.digest_at (ORDERHUB_DASHBOARD_DIGEST_AT): %q is not a local time like 08:30", d.DigestAt)
		}
	}
	return nil
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
