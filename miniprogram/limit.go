package miniprogram

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// limiter counts hits per key in a fixed window in Redis, so a limit holds
// across every instance behind a load balancer. With Redis unreachable it
// counts in this instance's memory instead: the limit then holds per
// instance (n instances allow up to n times as much), which beats both
// refusing everyone and limiting no one.
type limiter struct {
	rdb    redis.UniversalClient
	prefix string // key prefix, e.g. "<redis prefix>mp:ratelimit:"
	limit  int
	window time.Duration
	log    *slog.Logger

	mu    sync.Mutex
	local map[string]*count
	swept time.Time
	// downUntil (unix nanos) counts in memory for a moment after Redis
	// failed, so an outage costs a write one failed call a second, not one
	// each (a refused dial alone costs go-redis's dial retries, ~0.4 s).
	downUntil atomic.Int64
}

type count struct {
	n   int
	end time.Time
}

func newLimiter(rdb redis.UniversalClient, prefix string, limit int, window time.Duration, log *slog.Logger) *limiter {
	return &limiter{rdb: rdb, prefix: prefix, limit: limit, window: window, log: log, local: map[string]*count{}}
}

// allow counts a hit on key and reports whether it is within the limit
// and, if not, how long until the window ends.
//
// One MULTI, one round trip: SET NX PX starts the window with its expiry
// in the same command, so a counter is never left without one (a crash
// between an INCR and a PEXPIRE could leave one that never expires);
// INCR counts; PTTL tells what is left. A counter found without an expiry
// all the same (a Redis older than 7 reads its clock per command inside
// EXEC, so the key may expire between the SET and the INCR) is given one. Chosen over a Lua script doing the
// same: as fast against a Redis server, and the embedded in-process Redis
// (miniredis) runs each script call in a fresh Lua interpreter — 4× the
// time and 75× the garbage of this (BenchmarkLimiter, docs/benchmarks.md).
func (l *limiter) allow(ctx context.Context, key string) (bool, time.Duration) {
	if time.Now().UnixNano() < l.downUntil.Load() {
		return l.allowLocal(key, time.Now())
	}
	k := l.prefix + key
	var n *redis.IntCmd
	var left *redis.DurationCmd
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SetArgs(ctx, k, 0, redis.SetArgs{Mode: "NX", TTL: l.window})
		n = p.Incr(ctx, k)
		left = p.PTTL(ctx, k)
		return nil
	})
	if errors.Is(err, redis.Nil) { // SET NX found the window started
		err = nil
	}
	if err == nil {
		err = errors.Join(n.Err(), left.Err())
	}
	if err == nil {
		d := left.Val()
		if d < 0 {
			if err := l.rdb.PExpire(ctx, k, l.window).Err(); err != nil {
				l.log.WarnContext(ctx, "rate limit: could not give a counter its expiry", "key", k, "err", err)
			}
			d = l.window
		}
		return n.Val() <= int64(l.limit), d
	}
	l.log.WarnContext(ctx, "rate limit: redis unavailable, counting in memory", "err", err)
	if ctx.Err() == nil {
		l.downUntil.Store(time.Now().Add(time.Second).UnixNano())
	}
	return l.allowLocal(key, time.Now())
}

func (l *limiter) allowLocal(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, w := range l.local {
			if !now.Before(w.end) {
				delete(l.local, k)
			}
		}
		l.swept = now
	}
	w := l.local[key]
	if w == nil || !now.Before(w.end) {
		w = &count{end: now.Add(l.window)}
		l.local[key] = w
	}
	w.n++
	return w.n <= l.limit, w.end.Sub(now)
}

// tooMany answers 429 with Retry-After (whole seconds, rounded up).
func tooMany(c *gin.Context, left time.Duration, what string) {
	secs := int64((left + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	s := strconv.FormatInt(secs, 10)
	c.Header("Retry-After", s)
	writeErr(c, http.StatusTooManyRequests, "rate_limited", "操作太频繁，请 "+s+" 秒后再试")
}

// rateLimit refuses a buyer's write over the limit with 429.
func (a *API) rateLimit(c *gin.Context) {
	if ok, left := a.limit.allow(c.Request.Context(), strconv.FormatUint(buyer(c).ID, 10)); !ok {
		tooMany(c, left, "writes")
		return
	}
	c.Next()
}
