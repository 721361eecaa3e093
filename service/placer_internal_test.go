package service

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPlacerSurvivesAPanic: a batch that panics (a bug) answers its
// callers with an error, and the orders queued behind it are still
// placed: the lead passes on instead of dying with the batch, which left
// every later order waiting for good.
func TestPlacerSurvivesAPanic(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	calls := 0
	const leaders = 2
	p := &placer{log: slog.New(slog.NewTextHandler(io.Discard, nil)), leaders: leaders, flood: 1}
	p.run = func(ctx context.Context, batch []*placeReq) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= leaders {
			<-gate
		}
		if n == 1 {
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
	waitFor := func(ok func() bool) {
		for {
			p.mu.Lock()
			done := ok()
			p.mu.Unlock()
			if done {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	// Every leader busy, the first one's batch about to panic.
	var running []chan answer
	for i := 0; i < leaders; i++ {
		running = append(running, submit())
		waitFor(func() bool { return p.leading == i+1 })
	}
	queued := submit() // waits behind them
	waitFor(func() bool { return len(p.pending) == 1 })
	close(gate)
	if a := <-running[0]; a.created || a.err == nil || !strings.Contains(a.err.Error(), "internal error") {
		t.Errorf("the panicking batch's order: created %v, err %v; want an internal error", a.created, a.err)
	}
	for _, r := range running[1:] {
		if a := <-r; !a.created || a.err != nil {
			t.Errorf("the other batch running beside it: created %v, err %v; want placed", a.created, a.err)
		}
	}
	if a := <-queued; !a.created || a.err != nil {
		t.Errorf("the order queued behind it: created %v, err %v; want placed", a.created, a.err)
	}
	if a := <-submit(); !a.created || a.err != nil {
		t.Errorf("a later order: created %v, err %v; want placed", a.created, a.err)
	}
	waitFor(func() bool { return p.leading == 0 })
}

// TestPlacerSecondBatchOnlyInAFlood: while a batch runs, orders wait for
// it until flood of them are waiting; then a second batch starts beside
// it, never a third. Every order is placed and no leader is left over.
func TestPlacerSecondBatchOnlyInAFlood(t *testing.T) {
	gate := make(chan struct{})
	p := &placer{log: slog.New(slog.NewTextHandler(io.Discard, nil)), leaders: 2, flood: 3}
	p.run = func(ctx context.Context, batch []*placeReq) {
		<-gate
		for _, r := range batch {
			r.created = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var answers []chan bool
	submit := func() {
		out := make(chan bool, 1)
		answers = append(answers, out)
		go func() {
			_, created, err := p.submit(ctx, &placeReq{})
			out <- created && err == nil
		}()
	}
	state := func() (leading, pending int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.leading, len(p.pending)
	}
	waitFor := func(leading, pending int) {
		t.Helper()
		for i := 0; ; i++ {
			l, n := state()
			if l == leading && n == pending {
				return
			}
			if i > 5000 {
				t.Fatalf("leading %d, pending %d; want %d, %d", l, n, leading, pending)
			}
			time.Sleep(time.Millisecond)
		}
	}
	submit()
	waitFor(1, 0) // the first batch runs
	submit()
	submit()
	waitFor(1, 2) // two wait: no second batch
	submit()
	waitFor(2, 0) // three waiting: a second batch takes them
	for i := 0; i < 5; i++ {
		submit()
	}
	waitFor(2, 5) // never a third
	close(gate)
	for i, a := range answers {
		if !<-a {
			t.Errorf("order %d not placed", i)
		}
	}
	waitFor(0, 0)
}
