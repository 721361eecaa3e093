// Package backup copies, checks and restores the embedded (SQLite) database
// file, and keeps a rotation of daily copies. It is plumbing: it knows
// SQLite files and nothing of orders. MySQL is backed up with the engine's
// own tools (docs/operations.md).
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	_ "github.com/glebarez/go-sqlite" // the "sqlite" database/sql driver, no cgo
)

// Info describes a checked copy.
type Info struct {
	Path          string
	Bytes         int64
	SchemaVersion int // the highest applied migration in the copy
}

// Copy writes a consistent copy of the SQLite database src to dst while
// other connections (a serving orderhub) go on writing: VACUUM INTO reads
// one snapshot of the database, WAL included, and never blocks the writer.
// The copy is written beside dst and renamed only once it checks out, so a
// crash or a full disk never leaves a half copy under dst's name.
func Copy(ctx context.Context, src, dst string) (Info, error) {
	if _, err := os.Stat(src); err != nil {
		return Info{}, fmt.Errorf("backup: no database at %s: %w", src, err)
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	part := abs + ".part"
	_ = os.Remove(part)
	db, err := open(src, false)
	if err != nil {
		return Info{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", part); err != nil {
		_ = os.Remove(part)
		return Info{}, fmt.Errorf("backup: copy %s: %w", src, err)
	}
	info, err := Check(ctx, part)
	if err != nil {
		_ = os.Remove(part)
		return Info{}, err
	}
	if err := os.Rename(part, abs); err != nil {
		_ = os.Remove(part)
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	info.Path = abs
	return info, nil
}

// Check opens path read-only and proves it is a whole orderhub database:
// SQLite's integrity check passes and it has a schema version.
func Check(ctx context.Context, path string) (Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	db, err := open(path, true)
	if err != nil {
		return Info{}, err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil {
		return Info{}, fmt.Errorf("backup: %s is not a SQLite database: %w", path, err)
	}
	if ok != "ok" {
		return Info{}, fmt.Errorf("backup: %s is damaged: %s", path, ok)
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || !v.Valid {
		return Info{}, fmt.Errorf("backup: %s is not an orderhub database (no schema version)", path)
	}
	return Info{Path: path, Bytes: st.Size(), SchemaVersion: int(v.Int64)}, nil
}

// Restore makes src the database at target. The database there now (with
// its -wal and -shm files) is moved aside, not deleted, to
// target+".before-restore-<stamp>", whose path is returned. The caller makes
// sure nothing is serving target. src is checked first, so a bad file
// changes nothing.
func Restore(ctx context.Context, src, target string, now time.Time) (aside string, err error) {
	if _, err := Check(ctx, src); err != nil {
		return "", err
	}
	part := target + ".restore.part"
	if err := copyFile(src, part); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(target); err == nil {
		aside = target + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		// Fold the WAL into the old file first, so what is set aside is one
		// whole file.
		if db, err := open(target, false); err == nil {
			_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
			db.Close()
		}
		if err := os.Rename(target, aside); err != nil {
			_ = os.Remove(part)
			return "", fmt.Errorf("restore: set the current database aside: %w", err)
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return aside, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(part, target); err != nil {
		return aside, fmt.Errorf("restore: %w", err)
	}
	return aside, nil
}

// dailyPrefix names the rotation's files: orderhub-2026-12-07.db.
const dailyPrefix = "orderhub-"

// Daily makes day's copy of src in dir unless it is there already, then
// removes all but the newest keep copies. It returns the copy it made, or
// "" when day's copy existed. day is a local date, 2006-01-02.
func Daily(ctx context.Context, src, dir, day string, keep int) (made string, err error) {
	if keep < 1 {
		return "", nil
	}
	path := filepath.Join(dir, dailyPrefix+day+".db")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if _, err := Copy(ctx, src, path); err != nil {
			return "", err
		}
		made = path
	}
	return made, prune(dir, keep)
}

// prune removes the oldest daily copies beyond keep. The names sort by day.
func prune(dir string, keep int) error {
	names, err := filepath.Glob(filepath.Join(dir, dailyPrefix+"????-??-??.db"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for len(names) > keep {
		if err := os.Remove(names[0]); err != nil {
			return fmt.Errorf("backup: prune: %w", err)
		}
		names = names[1:]
	}
	return nil
}

func open(path string, readOnly bool) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(20000)"
	if readOnly {
		dsn += "&mode=ro"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("backup: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// copyFile streams src to dst and syncs it, so a restore never holds a
// whole database in memory and never renames an unwritten file into place.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
