package kernel

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEveryTickSurvivesAPanic: a step that panics is logged, with its
// stack, and the loop runs the next step; it stops when ctx ends.
func TestEveryTickSurvivesAPanic(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &buf}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		EveryTick(ctx, time.Millisecond, log, "test loop", func() {
			steps++
			if steps == 1 {
				panic("boom")
			}
			if steps == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not go on after the panic")
	}
	mu.Lock()
	defer mu.Unlock()
	if steps != 3 || !strings.Contains(buf.String(), "test loop: panic") || !strings.Contains(buf.String(), "boom") || !strings.Contains(buf.String(), "goroutine") {
		t.Errorf("%d steps, log %q; want 3 steps and the panic logged with its stack", steps, buf.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
