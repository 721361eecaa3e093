package config_test

import (
	"os"
	"strings"
	"testing"

	"orderhub/config"
)

// TestEveryVariableDocumented keeps docs/configuration.md complete.
func TestEveryVariableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(config.EnvNames(), "ORDERHUB_CONFIG") {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/configuration.md does not document %s", name)
		}
	}
}
