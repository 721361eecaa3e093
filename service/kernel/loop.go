package kernel

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"
)

// EveryTick runs step now and then every period until ctx ends: the
// background loops (escalation scans, the daily digest, the nightly
// audit and directory sync). A panic in a step (a bug, say on one odd row) is logged with its
// stack and the loop goes on at the next tick; unrecovered, it killed the
// server, and again after every restart, since the same rows were still
// there.
func EveryTick(ctx context.Context, period time.Duration, log *slog.Logger, what string, step func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		func() {
			defer func() {
				if v := recover(); v != nil {
					log.ErrorContext(ctx, what+": panic", "panic", v, "stack", string(debug.Stack()))
				}
			}()
			step()
		}()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
