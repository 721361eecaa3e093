package app

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"orderhub/config"
)

// TestComposeLetsPracticeCreateSandboxes: docker-compose's MySQL user may
// create the trainees' practice databases. The mysql image grants its
// MYSQL_USER only MYSQL_DATABASE, so without the init script every 练习
// would fail with "access denied" on the first day a trainee tried it.
func TestComposeLetsPracticeCreateSandboxes(t *testing.T) {
	compose, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`ORDERHUB_MYSQL_DSN: "([^"]+)"`).FindSubmatch(compose)
	if m == nil {
		t.Fatal("docker-compose.yml sets no ORDERHUB_MYSQL_DSN")
	}
	cfg := config.Default()
	cfg.MySQLDSN = string(m[1])
	p, err := newPractice(cfg, nil, nil, nil, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(compose), "./deploy/mysql-init:/docker-entrypoint-initdb.d") {
		t.Fatal("docker-compose.yml does not mount deploy/mysql-init into the mysql image's init directory")
	}
	grant, err := os.ReadFile("../../deploy/mysql-init/10-practice-grant.sql")
	if err != nil {
		t.Fatal(err)
	}
	// In a GRANT's database name _ matches any character unless escaped.
	want := "ON `" + strings.ReplaceAll(p.prefix+"_", "_", `\_`) + "%`.*"
	if !strings.Contains(string(grant), want) {
		t.Fatalf("deploy/mysql-init/10-practice-grant.sql does not grant %s (sandboxes are named %s)", want, p.dbName("<12 hex>"))
	}
}
