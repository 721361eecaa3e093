package config_test

import (
	"os"
	"strings"
	"testing"

	"orderhub/config"
)

// TestEveryVariableDocumented keeps docs/configuration.md complete: every
// variable named by an env struct tag, and every computed name's pattern.
func TestEveryVariableDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(append(config.EnvNames(), config.DynamicEnvPatterns()...), "ORDERHUB_CONFIG") {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/configuration.md does not document %s", name)
		}
	}
}

// TestEnvNamesFromTags: the names come from the struct tags, prefixed, and
// each is read back into its field.
func TestEnvNamesFromTags(t *testing.T) {
	t.Parallel()
	names := config.EnvNames()
	seen := map[string]bool{}
	for _, n := range names {
		if !strings.HasPrefix(n, config.EnvPrefix) || seen[n] {
			t.Errorf("env name %q: want a unique ORDERHUB_ name", n)
		}
		seen[n] = true
	}
	for _, n := range []string{"ORDERHUB_HTTP_ADDR", "ORDERHUB_REDIS_DB", "ORDERHUB_MP_APP_ID", "ORDERHUB_WECHAT_API_BASE", "ORDERHUB_MP_TEMPLATE_TICKET", "ORDERHUB_ESCALATION_DELAY_COUPON_FEN"} {
		if !seen[n] {
			t.Errorf("EnvNames() lacks %s", n)
		}
	}
}
