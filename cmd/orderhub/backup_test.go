package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"orderhub/internal/served"
)

// TestBackupAndRestoreCommands: `orderhub backup` copies a migrated, seeded
// embedded database; `orderhub restore` puts it back after the data dir lost
// it, keeping what it replaced; both refuse on MySQL and with no file, and
// restore refuses while a server answers for the data dir.
func TestBackupAndRestoreCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"ORDERHUB_DATA_DIR": dir, "ORDERHUB_DEMO_HISTORY": "false"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed", "--demo"}, getenv, &out, &errb); err != nil {
		t.Fatalf("seed: %v\n%s", err, errb.String())
	}
	file := filepath.Join(t.TempDir(), "copy.db")
	out.Reset()
	if err := run(ctx, []string{"backup", file}, getenv, &out, &errb); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out.String(), "schema version") {
		t.Fatalf("backup said %q", out.String())
	}

	// The data dir loses its database; restore brings it back.
	if err := os.WriteFile(filepath.Join(dir, "orderhub.db"), []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"restore", file}, getenv, &out, &errb); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "kept as") {
		t.Fatalf("restore did not say where the replaced database went: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"audit"}, getenv, &out, &errb); err != nil {
		t.Fatalf("audit on the restored database: %v\n%s", err, out.String())
	}

	junk := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(junk, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"backup without a file", []string{"backup"}, nil, "name the file"},
		{"restore without a file", []string{"restore"}, nil, "name the backup"},
		{"restore of a file that is not a backup", []string{"restore", junk}, nil, "not a SQLite database"},
		{"backup on MySQL", []string{"backup", file}, map[string]string{"ORDERHUB_MYSQL_DSN": "u:p@tcp(127.0.0.1:1)/x?parseTime=True", "ORDERHUB_ADMIN_TOKEN": "a-long-admin-token", "ORDERHUB_SECRET": strings.Repeat("s", 32)}, "mysqldump"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			for k, v := range tc.env {
				e[k] = v
			}
			err := run(ctx, tc.args, func(k string) string { return e[k] }, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}

	t.Run("restore while serving", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		defer srv.Close()
		remove, err := served.WriteAddress(dir, strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer remove()
		err = run(ctx, []string{"restore", file}, getenv, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "stop it first") {
			t.Fatalf("err = %v, want a refusal while a server answers", err)
		}
	})
}
