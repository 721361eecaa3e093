package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the server goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `orderhub serve` in embedded mode on dir until the
// returned stop is called; stop returns what run returned.
func startServe(t *testing.T, dir string) (base, token string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	getenv := func(k string) string {
		// Without the demo's 90-day history: these runs count the demo's orders.
		return map[string]string{"ORDERHUB_DATA_DIR": dir, "ORDERHUB_HTTP_ADDR": "127.0.0.1:0", "ORDERHUB_LOG_LEVEL": "warn", "ORDERHUB_DEMO_HISTORY": "false"}[k]
	}
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve"}, getenv, out, &syncBuffer{}) }()
	addr := regexp.MustCompile(`listening on (\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = "http://" + m[1]
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("serve exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(string(raw))
	if !strings.Contains(out.String(), token) {
		t.Errorf("the admin token is not printed at start-up:\n%s", out.String())
	}
	return base, token, func() error {
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30 s of SIGTERM")
			return nil
		}
	}
}

func getJSON(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestServeEmbedded is the newcomer's first run: `orderhub` with nothing
// configured serves seeded demo data, stops cleanly on a signal, and a
// restart keeps the data and the token without seeding twice.
func TestServeEmbedded(t *testing.T) {
	dir := t.TempDir()
	base, token, stop := startServe(t, dir)
	if code, _ := getJSON(t, base+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz = %d", code)
	}
	code, ws := getJSON(t, base+"/api/v1/warehouses", token)
	if code != 200 || len(ws["items"].([]any)) != 3 {
		t.Fatalf("warehouses = %d %v", code, ws)
	}
	_, orders := getJSON(t, base+"/api/v1/orders", token)
	seeded := orders["total"].(float64)
	_, products := getJSON(t, base+"/api/v1/products?size=200", token)
	if seeded < 1 || products["total"].(float64) < 40 {
		t.Fatalf("demo data: %v orders, %v products", seeded, products["total"])
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after the signal", err)
	}

	base, token2, stop := startServe(t, dir)
	if token2 != token {
		t.Error("the admin token changed across restarts")
	}
	if _, again := getJSON(t, base+"/api/v1/orders", token); again["total"].(float64) != seeded {
		t.Errorf("after restart %v orders, want %v (no second seed, nothing lost)", again["total"], seeded)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateAndSeedCommands(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"ORDERHUB_DATA_DIR": dir, "ORDERHUB_DEMO_HISTORY": "false"}[k]
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, getenv, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "schema at version") {
		t.Errorf("migrate said %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"seed"}, getenv, &out, &out); err == nil {
		t.Error("seed without --demo must say what to seed")
	}
	for _, want := range []string{"demo data seeded", "already has warehouses"} {
		out.Reset()
		if err := run(context.Background(), []string{"seed", "--demo"}, getenv, &out, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("seed --demo said %q, want %q", out.String(), want)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "no drift") {
		t.Errorf("audit of the demo = %v: %s", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, getenv, &out, &out); err == nil {
		t.Error("an unknown command must fail")
	}
}

// TestEverySubcommandHelpExitsZero: `orderhub <cmd> --help` (and -h, and
// help first) prints help and succeeds for every command, without running
// it and whatever the configuration: a serve asked for help must not
// serve, a simulate must not simulate.
func TestEverySubcommandHelpExitsZero(t *testing.T) {
	// A configuration that does not load: help must not need one.
	env := map[string]string{"ORDERHUB_MYSQL_DSN": "u:p@tcp(127.0.0.1:1)/x?parseTime=True"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--help"}, "usage: orderhub [serve]"},
		{[]string{"migrate", "-h"}, "usage: orderhub migrate"},
		{[]string{"audit", "--help"}, "usage: orderhub audit"},
		{[]string{"directory", "sync", "--help"}, "usage: orderhub directory sync"},
		{[]string{"bench", "--help"}, "orderhub bench reserve"},
		{[]string{"bench", "reserve", "--help"}, "-clients"},
		{[]string{"bench", "http", "-h"}, "-rate"},
		{[]string{"seed", "--help"}, "-demo"},
		{[]string{"chat", "--help"}, "-as"},
		{[]string{"chat", "help"}, "-as"},
		{[]string{"simulate", "--help"}, "-keep"},
		{[]string{"simulate", "--seed", "3", "-h"}, "-orders-per-day"},
		{[]string{"--help"}, "commands:"},
		{[]string{"help"}, "commands:"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, tc.args, func(k string) string { return env[k] }, &stdout, &stderr)
			if err != nil {
				t.Fatalf("orderhub %s: %v (exit 1)\n%s", strings.Join(tc.args, " "), err, stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.want) {
				t.Errorf("help lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// TestSimulateRemovesItsTempDir: without --data-dir a simulation's
// databases go with it, unless --keep.
func TestSimulateRemovesItsTempDir(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			args := []string{"simulate", "--orders-per-day", "2", "--day", "5s", "--drain", "0s", "--escalation", "on", "--quiet"}
			if keep {
				args = append(args, "--keep")
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			env := map[string]string{"ORDERHUB_DATA_DIR": filepath.Join(tmp, "unused")}
			if err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
				t.Fatalf("simulate: %v\n%s", err, stderr.String())
			}
			left, _ := filepath.Glob(filepath.Join(tmp, "orderhub-simulate-*"))
			if keep != (len(left) == 1) {
				t.Fatalf("keep=%v: left behind %v", keep, left)
			}
		})
	}
}
