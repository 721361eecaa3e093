package modeltest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// Replication is a MariaDB/MySQL primary and a replica of it that tests may
// use (.ci/services.sh starts one on 127.0.0.1:3307 and :3308).
type Replication struct {
	// Primary and Replica are server DSNs (no database named).
	Primary, Replica string
}

// ReplicationPair returns the replication pair named by
// ORDERHUB_TEST_MYSQL_REPLICA_PRIMARY_DSN and ORDERHUB_TEST_MYSQL_REPLICA_DSN.
// It is for the MySQL run (ORDERHUB_TEST_MYSQL_DSN set); in the embedded
// run, or outside CI without the pair, the test steps aside. With
// ORDERHUB_TEST_MYSQL_DSN and CI set, a missing pair fails the test: CI
// proves replica reads on a real replica.
func ReplicationPair(t testing.TB) Replication {
	t.Helper()
	r := Replication{
		Primary: os.Getenv("ORDERHUB_TEST_MYSQL_REPLICA_PRIMARY_DSN"),
		Replica: os.Getenv("ORDERHUB_TEST_MYSQL_REPLICA_DSN"),
	}
	if r.Primary != "" && r.Replica != "" {
		r.lock(t)
		return r
	}
	if MySQLDSN() == "" {
		t.Skip("replica tests run with ORDERHUB_TEST_MYSQL_DSN (the MySQL run)")
	}
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "", "0", "false":
		t.Skip("needs ORDERHUB_TEST_MYSQL_REPLICA_PRIMARY_DSN and ORDERHUB_TEST_MYSQL_REPLICA_DSN (a primary and its replica; .ci/services.sh starts them on 3307 and 3308)")
	}
	t.Fatal("CI is set and ORDERHUB_TEST_MYSQL_DSN too, but ORDERHUB_TEST_MYSQL_REPLICA_PRIMARY_DSN / ORDERHUB_TEST_MYSQL_REPLICA_DSN are not: .ci/run sets them")
	return r
}

// lock holds a named lock on the primary until t ends: tests in different
// packages run at once, and one that stops or delays the replica must not
// do so under another that expects it to replicate.
func (r Replication) lock(t testing.TB) {
	t.Helper()
	db := r.Server(t, r.Primary)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(context.Background(), "SELECT GET_LOCK('orderhub_test_replication', 300)").Scan(&got); err != nil || got.Int64 != 1 {
		t.Fatalf("modeltest: the replication pair's test lock: %v (got %v)", err, got)
	}
	t.Cleanup(func() {
		_, _ = conn.ExecContext(context.Background(), "DO RELEASE_LOCK('orderhub_test_replication')")
		_ = conn.Close()
	})
}

// FreshDatabase creates an empty database on the primary, waits until the
// replica has it too, drops it when t ends, and returns DSNs naming it on
// each server.
func (r Replication) FreshDatabase(t testing.TB) (primary, replica string) {
	t.Helper()
	name := "oh_r_" + RandomHex(6)
	p := r.Server(t, r.Primary)
	if _, err := p.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("modeltest: create database on the replication primary: %v", err)
	}
	t.Cleanup(func() {
		if _, err := p.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("modeltest: drop database %s: %v", name, err)
		}
	})
	rep := r.Server(t, r.Replica)
	r.Eventually(t, 20*time.Second, "the replica to create "+name, func() bool {
		var got string
		return rep.QueryRow("SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&got) == nil
	})
	return withDB(t, r.Primary, name), withDB(t, r.Replica, name)
}

// Server opens a plain connection to one of the pair's servers, closed
// when t ends: for what a test does to the pair itself (STOP SLAVE).
func (r Replication) Server(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	db.SetMaxOpenConns(2)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("modeltest: replication server: %v", err)
	}
	return db
}

// Eventually polls ok every 50ms until it holds, or fails t after within.
func (Replication) Eventually(t testing.TB, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func withDB(t testing.TB, dsn, name string) string {
	t.Helper()
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	c.DBName = name
	return c.FormatDSN()
}
