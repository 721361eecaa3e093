package bench

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/internal/served"
)

func TestBenchHTTPFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Config{DataDir: dir}

	t.Run("defaults come from the served data dir", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, served.AddressFile), []byte("http://127.0.0.1:18150\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "admin-token"), []byte("oh_bench_token_123\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := parseBenchHTTP(cfg, nil, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if o.url != "http://127.0.0.1:18150" || o.token != "oh_bench_token_123" || o.target != "orders" || o.rate != 200 || o.duration != 10*time.Second || o.buyers != 50 || o.restock != 0 {
			t.Errorf("defaults = %+v", o)
		}
	})

	t.Run("flags are read", func(t *testing.T) {
		o, err := parseBenchHTTP(cfg, []string{"--url", "http://h:1/", "--token", "tok_abcdefghijkl", "--target", "healthz", "--rate", "1000", "--duration", "3s", "--buyers", "7", "--restock", "500"}, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if o.url != "http://h:1" || o.token != "tok_abcdefghijkl" || o.target != "healthz" || o.rate != 1000 || o.duration != 3*time.Second || o.buyers != 7 || o.restock != 500 {
			t.Errorf("parsed = %+v", o)
		}
	})

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--target", "checkout"}, "--target"},
		{[]string{"--rate", "0"}, "--rate"},
		{[]string{"--rate", "many"}, "rate"},
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--buyers", "0"}, "--buyers"},
		{[]string{"--restock", "-1"}, "--restock"},
		{[]string{"--timeout", "-1s"}, "--timeout"},
		{[]string{"--url", "127.0.0.1:18150"}, "--url"},
		{[]string{"--nope"}, "nope"},
		{[]string{"extra"}, "extra"},
	} {
		if _, err := parseBenchHTTP(cfg, tc.args, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one naming %q", tc.args, err, tc.want)
		}
	}

	t.Run("no served orderhub and no --url", func(t *testing.T) {
		_, err := parseBenchHTTP(config.Config{DataDir: t.TempDir()}, nil, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "--url") {
			t.Errorf("err = %v, want one asking for --url", err)
		}
	})

	t.Run("orders need the admin token, healthz does not", func(t *testing.T) {
		empty := config.Config{DataDir: t.TempDir()}
		if _, err := parseBenchHTTP(empty, []string{"--url", "http://h:1"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "token") {
			t.Errorf("err = %v, want one asking for the admin token", err)
		}
		if _, err := parseBenchHTTP(empty, []string{"--url", "http://h:1", "--target", "healthz"}, &bytes.Buffer{}); err != nil {
			t.Errorf("healthz without a token: %v", err)
		}
	})

	t.Run("wired as orderhub bench http", func(t *testing.T) {
		getenv := func(k string) string {
			if k == "ORDERHUB_DATA_DIR" {
				return t.TempDir()
			}
			return ""
		}
		var out bytes.Buffer
		cfg, err := config.Load(getenv)
		if err != nil {
			t.Fatal(err)
		}
		err = Run(context.Background(), cfg, slog.New(slog.NewTextHandler(&out, nil)), []string{"http", "--rate", "-5", "--url", "http://h:1"}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "--rate") {
			t.Errorf("err = %v, want the --rate refusal", err)
		}
	})
}
