// Package modeltest gives tests real databases: a fresh, migrated SQLite file
// always, and a fresh, migrated MySQL/MariaDB database when
// ORDERHUB_TEST_MYSQL_DSN is set; and a Redis, real when
// ORDERHUB_TEST_REDIS_ADDR is set, else in-process.
package modeltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/alicebob/miniredis/v2"
	gomysql "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
	"gorm.io/gorm"

	"orderhub/model"
)

// init silences go-redis's own logger (a package logger, not slog) in
// every test binary that uses modeltest: each dial a test makes on purpose
// to a Redis that is down printed "redis: connection pool: failed to
// dial", and each new client "failed to initialize maintnotifications",
// burying the lines of a failing test. What a test needs to know of Redis
// it reads from the errors go-redis returns. Test binaries only: nothing
// but tests imports modeltest.
func init() { logging.Disable() }

// MySQLDSN is the server DSN tests create databases on, or "".
func MySQLDSN() string { return os.Getenv("ORDERHUB_TEST_MYSQL_DSN") }

// RedisAddr is the real Redis tests use, or "" for an in-process one.
func RedisAddr() string { return os.Getenv("ORDERHUB_TEST_REDIS_ADDR") }

// Each runs fn once per available database, each time on a fresh migrated
// schema that is dropped when the subtest ends.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	EachBackend(t, func(t *testing.T, mysql bool) {
		if mysql {
			fn(t, MySQL(t))
		} else {
			fn(t, SQLite(t))
		}
	})
}

// EachBackend runs fn once per available database, as the subtests
// "sqlite" and (when ORDERHUB_TEST_MYSQL_DSN is set) "mysql", for tests
// that open the database themselves, as a whole app does from its config
// (FreshMySQLDatabase gives such a test its DSN). Each is built on it, so
// which databases run is decided here once.
func EachBackend(t *testing.T, fn func(t *testing.T, mysql bool)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, false) })
	if MySQLDSN() != "" {
		t.Run("mysql", func(t *testing.T) { fn(t, true) })
	}
}

// Log is a logger that discards, for wiring under test.
func Log() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// SQLite returns a fresh migrated SQLite database in t's temp dir.
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, model.Options{SQLitePath: filepath.Join(t.TempDir(), "orderhub.db"), Log: Log()}, model.LatestVersion())
}

// MySQL returns a fresh migrated database on the ORDERHUB_TEST_MYSQL_DSN
// server; the test fails when the variable is unset.
func MySQL(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, model.Options{MySQLDSN: FreshMySQLDatabase(t), Log: Log()}, model.LatestVersion())
}

// FreshMySQLDatabase creates an empty database on the test server, drops it
// when t ends, and returns a DSN that names it.
func FreshMySQLDatabase(t testing.TB) string {
	t.Helper()
	server := MySQLDSN()
	if server == "" {
		t.Fatal("modeltest: ORDERHUB_TEST_MYSQL_DSN is not set")
	}
	cfg, err := gomysql.ParseDSN(server)
	if err != nil {
		t.Fatalf("modeltest: ORDERHUB_TEST_MYSQL_DSN: %v", err)
	}
	name := "oh_t_" + RandomHex(6)
	root, err := model.Open(context.Background(), model.Options{MySQLDSN: server, Log: Log()})
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	if err := root.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		t.Fatalf("modeltest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := root.Exec("DROP DATABASE IF EXISTS " + name).Error; err != nil {
			t.Errorf("modeltest: drop database %s: %v", name, err)
		}
		_ = model.Close(root)
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// OpenAt opens a database and migrates it to version (0: not at all).
func OpenAt(t testing.TB, o model.Options, version int) *gorm.DB {
	t.Helper()
	return open(t, o, version)
}

func open(t testing.TB, o model.Options, version int) *gorm.DB {
	t.Helper()
	db, err := model.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	// Registered before the drop so the pool closes after it.
	t.Cleanup(func() { _ = model.Close(db) })
	if version > 0 {
		if err := model.MigrateTo(context.Background(), db, version); err != nil {
			t.Fatalf("modeltest: %v", err)
		}
	}
	return db
}

// Redis returns a client and a key prefix unique to t. With
// ORDERHUB_TEST_REDIS_ADDR it is the real server (keys under the prefix are
// deleted when t ends); otherwise an in-process server owned by t.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	prefix := fmt.Sprintf("oh_t_%s:", RandomHex(6))
	addr := RedisAddr()
	if addr == "" {
		mr := miniredis.RunT(t)
		addr = mr.Addr()
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return rdb, prefix
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
