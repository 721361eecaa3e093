package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"orderhub/model/modeltest"
)

// `orderhub audit` where there is no data refuses, naming what it looked
// at, and creates nothing: an all-clear over an empty database is false.
func TestAuditRefusesNoSchema(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"ORDERHUB_DATA_DIR": dir, "ORDERHUB_LOG_LEVEL": "error"}[k]
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"audit"}, getenv, &out, &out)
	path := filepath.Join(dir, "orderhub.db")
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(out.String(), "no drift") {
		t.Fatalf("audit of an empty data dir = %v: %s", err, out.String())
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("audit created a database")
	}
	if modeltest.MySQLDSN() == "" {
		return
	}
	dsn := modeltest.FreshMySQLDatabase(t)
	c, _ := gomysql.ParseDSN(dsn)
	getenv = func(k string) string {
		return map[string]string{"ORDERHUB_DATA_DIR": dir, "ORDERHUB_MYSQL_DSN": dsn, "ORDERHUB_LOG_LEVEL": "error", "ORDERHUB_REDIS_ADDR": modeltest.RedisAddr(), "ORDERHUB_ADMIN_TOKEN": "t0k3n-for-the-audit-test-only-000000", "ORDERHUB_SECRET": "s3cret-for-the-audit-test-only-0000000"}[k]
	}
	out.Reset()
	err = run(context.Background(), []string{"audit"}, getenv, &out, &out)
	if err == nil || !strings.Contains(err.Error(), c.DBName) || strings.Contains(out.String(), "no drift") {
		t.Fatalf("audit of an empty MySQL database = %v: %s", err, out.String())
	}
}
