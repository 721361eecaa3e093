package model_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	_ "github.com/glebarez/go-sqlite"
	gomysql "github.com/go-sql-driver/mysql"

	"orderhub/model"
)

// TestRetryableSQLiteBusy provokes a real SQLITE_BUSY (a second writer with
// no busy timeout) and checks Retryable recognises it by the driver's code.
func TestRetryableSQLiteBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	a, b := open(), open()
	ctx := context.Background()
	if _, err := a.ExecContext(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	txA, err := a.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = txA.Rollback() }()
	_, err = b.BeginTx(ctx, nil)
	if err == nil {
		t.Fatal("a second immediate transaction began while the first held the write lock")
	}
	if !model.Retryable(err) {
		t.Fatalf("Retryable(%v) = false, want true", err)
	}
	if !model.Retryable(fmt.Errorf("place order: %w", err)) {
		t.Error("Retryable must see through wrapping")
	}
}

func TestRetryableOthers(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"deadlock", &gomysql.MySQLError{Number: 1213}, true},
		{"lock wait timeout", fmt.Errorf("x: %w", &gomysql.MySQLError{Number: 1205}), true},
		{"duplicate key", &gomysql.MySQLError{Number: 1062}, false},
		{"text that mentions busy", errors.New("SQLITE_BUSY in a message"), false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := model.Retryable(tc.err); got != tc.want {
				t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
