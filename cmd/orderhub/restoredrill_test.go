package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestMySQLRestoreDrill runs docs/operations.md's MySQL drill: a seeded
// orderhub database is dumped with --single-transaction, restored into a
// fresh database with the mysql client, and orderhub opens the copy, finds
// the schema at the latest version and the same rows, and its stock audit
// passes there. It needs the MariaDB/MySQL test server (and its client
// tools, which CI installs with the server).
func TestMySQLRestoreDrill(t *testing.T) {
	if modeltest.MySQLDSN() == "" {
		return // the embedded run has no server to drill; CI's MariaDB run does
	}
	dump, err := firstTool("mariadb-dump", "mysqldump")
	if err != nil {
		t.Fatal(err)
	}
	client, err := firstTool("mariadb", "mysql")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	envFor := func(dsn string) func(string) string {
		m := map[string]string{"ORDERHUB_DATA_DIR": t.TempDir(), "ORDERHUB_MYSQL_DSN": dsn, "ORDERHUB_LOG_LEVEL": "error",
			"ORDERHUB_REDIS_ADDR": modeltest.RedisAddr(), "ORDERHUB_REDIS_PREFIX": "drill:" + modeltest.RandomHex(4) + ":",
			"ORDERHUB_ADMIN_TOKEN": "t0k3n-for-the-drill-test-only-000000", "ORDERHUB_SECRET": "s3cret-for-the-drill-test-only-0000000"}
		return func(k string) string { return m[k] }
	}
	src := modeltest.FreshMySQLDatabase(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--demo"}, envFor(src), &out, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}

	sc, _ := gomysql.ParseDSN(src)
	host, port, _ := net.SplitHostPort(sc.Addr)
	conn := []string{"-h", host, "-P", port, "-u", sc.User, "-p" + sc.Passwd}
	var sql, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, dump, append(append([]string{"--single-transaction", "--routines", "--triggers", "--hex-blob"}, conn...), sc.DBName)...)
	cmd.Stdout, cmd.Stderr = &sql, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", dump, err, stderr.String())
	}

	dst := modeltest.FreshMySQLDatabase(t)
	dc, _ := gomysql.ParseDSN(dst)
	cmd = exec.CommandContext(ctx, client, append(conn, dc.DBName)...)
	cmd.Stdin, cmd.Stderr = &sql, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s < dump: %v\n%s", client, err, stderr.String())
	}

	counts := func(dsn string) string {
		db, err := model.Open(ctx, model.Options{MySQLDSN: dsn, Log: modeltest.Log()})
		if err != nil {
			t.Fatal(err)
		}
		defer model.Close(db)
		v, err := model.Version(db)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "schema %d", v)
		for _, table := range []string{"orders", "order_lines", "order_events", "stocks", "stock_movements", "customers", "staffs"} {
			var n int64
			if err := db.Table(table).Count(&n).Error; err != nil {
				t.Fatalf("count %s: %v", table, err)
			}
			fmt.Fprintf(&b, ", %s %d", table, n)
		}
		return b.String()
	}
	want, got := counts(src), counts(dst)
	if got != want {
		t.Fatalf("restored copy differs:\n source   %s\n restored %s", want, got)
	}
	if !strings.Contains(want, fmt.Sprintf("schema %d", model.LatestVersion())) || strings.Contains(want, "orders 0,") {
		t.Fatalf("the drill's source is not a seeded, migrated database: %s", want)
	}
	out.Reset()
	if err := run(ctx, []string{"audit"}, envFor(dst), &out, &out); err != nil {
		t.Fatalf("audit of the restored database: %v\n%s", err, out.String())
	}
}

func firstTool(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %v is installed (the MariaDB/MySQL client tools come with the server package)", names)
}
