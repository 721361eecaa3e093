package service

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestPlacerSurvivesAPanic: a batch that panics (a bug) answers its
// callers with an error, and the orders queued behind it are still
// placed: the lead passes on instead of dying with the batch, which left
// every later order waiting for good.
func TestPlacerSurvivesAPanic(t *testing.T) {
	gate := make(chan struct{})
	calls := 0
	p := &placer{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p.run = func(ctx context.Context, batch []*placeReq) {
		calls++
		if calls == 1 {
			<-gate
			panic("boom")
		}
		for _, r := range batch {
			r.created = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type answer struct {
		created bool
		err     error
	}
	submit := func() chan answer {
		out := make(chan answer, 1)
		go func() {
			_, created, err := p.submit(ctx, &placeReq{})
			out <- answer{created, err}
		}()
		return out
	}
	first := submit()
	for { // the first batch is running: the next order waits behind it
		p.mu.Lock()
		leading := p.leading
		p.mu.Unlock()
		if leading {
			break
		}
		time.Sleep(time.Millisecond)
	}
	second := submit()
	for {
		p.mu.Lock()
		n := len(p.pending)
		p.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(gate)
	if a := <-first; a.created || a.err == nil || !strings.Contains(a.err.Error(), "internal error") {
		t.Errorf("the panicking batch's order: created %v, err %v; want an internal error", a.created, a.err)
	}
	if a := <-second; !a.created || a.err != nil {
		t.Errorf("the order queued behind it: created %v, err %v; want placed", a.created, a.err)
	}
	if a := <-submit(); !a.created || a.err != nil {
		t.Errorf("a later order: created %v, err %v; want placed", a.created, a.err)
	}
}
