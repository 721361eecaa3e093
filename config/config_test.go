package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Embedded() || c.HTTPAddr != ":8080" || c.DataDir != "./data" || c.Location().String() != "Asia/Shanghai" {
		t.Errorf("defaults = %+v", c)
	}
	if len(c.Stages) != 7 || c.Stages[5].Key != "shipped" || c.Stages[3].Requires[0] != "qc_inspector" {
		t.Errorf("default pipeline = %+v", c.Stages)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "orderhub.yaml")
	yaml := `
http_addr: ":9000"
log_level: debug
stages:
  - {key: submitted, name: 待确认, owner_role: customer_service, sla: 90m}
  - {key: shipped, name: 已发货, owner_role: dispatcher, requires: [tracking_no]}
  - {key: delivered, name: 已签收}
customer_cancel_before: shipped
reserve: {lock_ttl: 3s, lock_wait: 500ms}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(env(map[string]string{"ORDERHUB_CONFIG": path, "ORDERHUB_HTTP_ADDR": ":9100", "ORDERHUB_REDIS_DB": "3",
		"ORDERHUB_OUTBOX_POLL": "250ms", "ORDERHUB_ESCALATION_CARDS": "false", "ORDERHUB_MP_TEMPLATE_TICKET": "tpl-1",
		"ORDERHUB_MP_APP_ID": "wx1", "ORDERHUB_MP_APP_SECRET": "s", "ORDERHUB_ESCALATION_DELAY_COUPON_FEN": "2000", "ORDERHUB_LOG_FORMAT": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9100" || c.LogLevel != "debug" || c.Redis.DB != 3 {
		t.Errorf("env must win over the file: %+v", c)
	}
	if c.Outbox.Poll.D() != 250*time.Millisecond || c.Escalation.Cards || c.MiniProgram.Templates.Ticket != "tpl-1" ||
		c.WeChat.AppID != "wx1" || c.Escalation.DelayCouponFen != 2000 || c.LogFormat != "text" {
		t.Errorf("nested env not applied (or an empty one applied): %+v", c)
	}
	if len(c.Stages) != 3 || c.Stages[0].SLA.D() != 90*time.Minute || c.Reserve.LockWait.D() != 500*time.Millisecond {
		t.Errorf("file not applied: %+v", c)
	}
}

// TestErrorsNameTheKey: a bad config fails at start and says where.
func TestErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want string
	}{
		{"unknown yaml key", "htp_addr: x", nil, "field htp_addr not found"},
		{"bad duration", "reserve: {lock_ttl: soon}", nil, "not a duration"},
		{"unknown owner role", "stages: [{key: a, name: A, owner_role: qcc}, {key: shipped, name: S, owner_role: qc}]", nil, "stages[0].owner_role"},
		{"no shipped stage", "stages: [{key: a, name: A, owner_role: qc}, {key: b, name: B}]", nil, `key "shipped"`},
		{"duplicate stage", "stages: [{key: a, name: A, owner_role: qc}, {key: a, name: A2, owner_role: qc}]", nil, "stages[1].key"},
		{"cancelled reserved", "stages: [{key: cancelled, name: A, owner_role: qc}, {key: shipped, name: S}]", nil, "stages[0].key"},
		{"bad cancel_before", "cancel_before: nowhere", nil, "cancel_before"},
		{"lead of an unknown role", "leads: {packer: keeper_lead}", nil, `leads: unknown role "packer"`},
		{"an unknown lead", "leads: {keeper: warehouse_lead}", nil, `leads.keeper: unknown role "warehouse_lead"`},
		{"unknown ticket handler", "duties: {tickets: [foreman]}", nil, "duties.tickets[0]"},
		{"mysql without token", "", map[string]string{"ORDERHUB_MYSQL_DSN": "u:p@tcp(db:3306)/o?parseTime=True", "ORDERHUB_SECRET": strings.Repeat("s", 32)}, "admin_token (ORDERHUB_ADMIN_TOKEN)"},
		{"mysql without secret", "", map[string]string{"ORDERHUB_MYSQL_DSN": "u:p@tcp(db:3306)/o?parseTime=True", "ORDERHUB_ADMIN_TOKEN": "long-enough-token"}, "secret (ORDERHUB_SECRET)"},
		{"mysql without either: both named at once", "", map[string]string{"ORDERHUB_MYSQL_DSN": "u:p@tcp(db:3306)/o?parseTime=True"}, "admin_token (ORDERHUB_ADMIN_TOKEN): it guards the staff API; secret (ORDERHUB_SECRET)"},
		{"dsn without parseTime", "", map[string]string{"ORDERHUB_MYSQL_DSN": "u:p@tcp(db:3306)/o", "ORDERHUB_ADMIN_TOKEN": "long-enough-token"}, "ORDERHUB_MYSQL_DSN"},
		{"short token", "", map[string]string{"ORDERHUB_ADMIN_TOKEN": "short"}, "ORDERHUB_ADMIN_TOKEN"},
		{"redis db not a number", "", map[string]string{"ORDERHUB_REDIS_DB": "one"}, `ORDERHUB_REDIS_DB: "one" is not a number`},
		{"bool not a bool", "", map[string]string{"ORDERHUB_ESCALATION_CARDS": "yes please"}, "ORDERHUB_ESCALATION_CARDS: \"yes please\" is not true or false"},
		{"env duration", "", map[string]string{"ORDERHUB_OUTBOX_POLL": "soon"}, "ORDERHUB_OUTBOX_POLL: \"soon\" is not a duration"},
		{"bad log level", "", map[string]string{"ORDERHUB_LOG_LEVEL": "loud"}, "ORDERHUB_LOG_LEVEL"},
		{"bad time zone", "", map[string]string{"ORDERHUB_TIMEZONE": "Mars/Olympus"}, "ORDERHUB_TIMEZONE"},
		{"wecom half configured", "", map[string]string{"ORDERHUB_WECOM_CORP_ID": "ww1"}, "ORDERHUB_WECOM_"},
		{"wecom.local not the insecure opt-in", "", map[string]string{"ORDERHUB_WECOM_LOCAL": "yes"}, "ORDERHUB_WECOM_LOCAL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range tc.env {
				m[k] = v
			}
			if tc.yaml != "" {
				path := filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
				m["ORDERHUB_CONFIG"] = path
			}
			_, err := config.Load(env(m))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}
