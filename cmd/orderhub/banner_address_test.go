package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/served"
)

// bannerWatch notes, at the moment `serve` first prints "listening on",
// whether the address file is already in the data dir.
type bannerWatch struct {
	dir  string
	mu   sync.Mutex
	out  strings.Builder
	seen bool
	had  bool
}

func (w *bannerWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(p)
	if !w.seen && strings.Contains(w.out.String(), "listening on") {
		w.seen = true
		_, err := os.Stat(filepath.Join(w.dir, served.AddressFile))
		w.had = err == nil
	}
	return len(p), nil
}

// TestAddressWrittenBeforeBanner: whoever waits for serve's banner (a
// newcomer, TestReadmeTours) finds the address file `orderhub chat`
// reads. Before, the banner came first and the file a moment later, so a
// tour started at once on a loaded machine found no server.
func TestAddressWrittenBeforeBanner(t *testing.T) {
	dir := t.TempDir()
	w := &bannerWatch{dir: dir}
	ctx, cancel := context.WithCancel(context.Background())
	getenv := func(k string) string {
		return map[string]string{"ORDERHUB_DATA_DIR": dir, "ORDERHUB_HTTP_ADDR": "127.0.0.1:0", "ORDERHUB_LOG_LEVEL": "warn",
			"ORDERHUB_DEMO_SEED": "false"}[k]
	}
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve"}, getenv, w, &syncBuffer{}) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.mu.Lock()
		seen, had := w.seen, w.had
		w.mu.Unlock()
		if seen {
			if !had {
				t.Errorf("the banner was printed before %s was written", served.AddressFile)
			}
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("serve exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("serve: %v", err)
	}
}
