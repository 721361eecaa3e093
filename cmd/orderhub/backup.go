package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"orderhub/config"
	"orderhub/internal/app"
	"orderhub/internal/backup"
	"orderhub/internal/served"
)

// errMySQLBackup is what backup and restore say on a MySQL configuration:
// the engine's own tools do it, consistently and online.
var errMySQLBackup = errors.New("this orderhub runs on MySQL (ORDERHUB_MYSQL_DSN): back it up with mysqldump --single-transaction or mariadb-dump, and restore with the mysql client; docs/operations.md gives the commands")

// backupCmd runs `orderhub backup FILE`: a consistent copy of the embedded
// database, taken while it serves.
func backupCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: orderhub backup FILE\n\nWrites a consistent copy of the embedded database (<data_dir>/orderhub.db) to FILE,\nwhile orderhub keeps serving. Restore it with: orderhub restore FILE")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup: name the file to write, e.g. orderhub backup /backups/orderhub-today.db")
	}
	if !cfg.Embedded() {
		return errMySQLBackup
	}
	info, err := backup.Copy(ctx, app.DBPath(cfg), fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, schema version %d)\n", app.DBPath(cfg), info.Path, info.Bytes, info.SchemaVersion)
	return nil
}

// restoreCmd runs `orderhub restore FILE`: the embedded database becomes
// FILE's copy; the one it replaces is set aside, never deleted.
func restoreCmd(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: orderhub restore FILE\n\nMakes FILE (written by orderhub backup, or a daily copy in <data_dir>/backups) the embedded\ndatabase. Stop orderhub first; the database it replaces is kept beside it.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("restore: name the backup to restore, e.g. orderhub restore data/backups/orderhub-2026-12-06.db")
	}
	if !cfg.Embedded() {
		return errMySQLBackup
	}
	if url := served.Address(cfg.DataDir, ""); url != "" && answers(ctx, url) {
		return fmt.Errorf("restore: orderhub is serving this data dir at %s; stop it first (a database replaced under a running server would lose what it writes)", url)
	}
	info, err := backup.Check(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	aside, err := backup.Restore(ctx, fs.Arg(0), app.DBPath(cfg), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s (schema version %d) into %s\n", fs.Arg(0), info.SchemaVersion, app.DBPath(cfg))
	if aside != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", aside)
	}
	fmt.Fprintln(stdout, "start orderhub as usual (orderhub serve); it migrates an older copy forward")
	return nil
}

// answers reports whether something serving url answers /healthz now.
func answers(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(url, "/")+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
