package backup

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newDB makes a small orderhub-shaped SQLite database in WAL mode, as
// model.Open does.
func newDB(t *testing.T) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "orderhub.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at DATETIME)",
		"INSERT INTO schema_migrations VALUES (17, 'x', '2026-12-01')",
		"CREATE TABLE orders (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return path, db
}

func count(t *testing.T, path string) int {
	t.Helper()
	db, err := open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM orders").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCopyWhileWriting: a backup taken while a writer keeps inserting is one
// consistent snapshot (it checks out, and holds a prefix of the writes), and
// the writer is never refused.
func TestCopyWhileWriting(t *testing.T) {
	ctx := context.Background()
	src, db := newDB(t)
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.Exec("INSERT INTO orders (n) VALUES (?)", i); err != nil {
				t.Errorf("writer refused during the backup: %v", err)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	info, err := Copy(ctx, src, dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != 17 || info.Bytes == 0 {
		t.Fatalf("info = %+v", info)
	}
	got := count(t, dst)
	if got < 200 || int64(got) > written.Load() {
		t.Fatalf("copy holds %d orders; the writer had written at least 200 and at most %d", got, written.Load())
	}
	if _, err := os.Stat(dst + ".part"); !os.IsNotExist(err) {
		t.Fatal("the .part file was left behind")
	}
}

// TestRestoreSetsTheOldAside: restore puts the copy in place and keeps the
// database it replaced; a file that is not an orderhub database changes
// nothing.
func TestRestoreSetsTheOldAside(t *testing.T) {
	ctx := context.Background()
	src, db := newDB(t)
	if _, err := db.Exec("INSERT INTO orders (n) VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(t.TempDir(), "snap.db")
	if _, err := Copy(ctx, src, snap); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO orders (n) VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not a database at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, junk, src, time.Now()); err == nil {
		t.Fatal("restoring a text file was accepted")
	}
	if n := count(t, src); n != 3 {
		t.Fatalf("a refused restore changed the database: %d orders, want 3", n)
	}

	aside, err := Restore(ctx, snap, src, time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, src); n != 2 {
		t.Fatalf("restored database has %d orders, want the snapshot's 2", n)
	}
	if n := count(t, aside); n != 3 {
		t.Fatalf("the database set aside has %d orders, want 3", n)
	}
}

// TestDailyKeepsTheNewest: one copy a day, made once, and only the newest
// keep are kept.
func TestDailyKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	src, _ := newDB(t)
	dir := filepath.Join(t.TempDir(), "backups")
	for _, day := range []string{"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"} {
		made, err := Daily(ctx, src, dir, day, 3)
		if err != nil || made == "" {
			t.Fatalf("%s: made %q, %v", day, made, err)
		}
	}
	if made, err := Daily(ctx, src, dir, "2026-12-04", 3); err != nil || made != "" {
		t.Fatalf("a second run the same day made %q (%v)", made, err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	if len(names) != 3 || filepath.Base(names[0]) != "orderhub-2026-12-02.db" {
		t.Fatalf("kept %v, want the three newest", names)
	}
}
