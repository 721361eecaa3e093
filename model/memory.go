package model

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ReleaseMemory closes the idle connections of an SQLite pool, after a
// one-off bulk job such as the demo history: each connection keeps the pages
// it read or wrote (up to 2 MiB of page cache) and its statements' memory,
// and the driver's C allocator (modernc.org/libc) hands a 1 MiB block back
// to the OS only once nothing in it is used, so the idle server would go on
// holding the job's memory. Closing frees all of it; the next query opens a
// connection (about 1.5 ms with its schema, measured) and reads the pages
// it needs. The
// pool's settings stay as they were; connections in use are left alone. A
// no-op on MySQL, whose cache is the server's.
func ReleaseMemory(ctx context.Context, db *gorm.DB) error {
	if IsMySQL(db) {
		return nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("release memory: %w", err)
	}
	// The pool hands out idle connections first; driver.ErrBadConn from
	// Raw tells it to close the connection instead of keeping it.
	for n := sqlDB.Stats().Idle; n > 0; n-- {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return fmt.Errorf("release memory: %w", err)
		}
		err = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close() // already closed when err is ErrBadConn
		if !errors.Is(err, driver.ErrBadConn) {
			return fmt.Errorf("release memory: closing a connection: %v", err)
		}
	}
	return nil
}
