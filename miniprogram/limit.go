package miniprogram

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
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
	rdb    *redis.Client
	prefix string // key prefix, e.g. "<redis prefix>mp:ratelimit:"
	limit  int
	window time.Duration
	log    *slog.Logger

	mu    sync.Mutex
	local map[string]*count
	swept time.Time
}

type count struct {
	n   int
	end time.Time
}

func newLimiter(rdb *redis.Client, prefix string, limit int, window time.Duration, log *slog.Logger) *limiter {
	return &limiter{rdb: rdb, prefix: prefix, limit: limit, window: window, log: log, local: map[string]*count{}}
}

// hitScript counts one hit and starts the window on the first; it
// returns the count and the milliseconds left in the window. One script, so
// a crash between INCR and PEXPIRE can never leave a counter that never
// expires.
var hitScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then
	redis.call("PEXPIRE", KEYS[1], ARGV[1])
end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then
	redis.call("PEXPIRE", KEYS[1], ARGV[1])
	ttl = tonumber(ARGV[1])
end
return {n, ttl}`)

// allow counts a hit on key and reports whether it is within the limit
// and, if not, how long until the window ends.
func (l *limiter) allow(ctx context.Context, key string) (bool, time.Duration) {
	res, err := hitScript.Run(ctx, l.rdb, []string{l.prefix + key}, l.window.Milliseconds()).Int64Slice()
	if err == nil && len(res) == 2 {
		return res[0] <= int64(l.limit), time.Duration(res[1]) * time.Millisecond
	}
	l.log.WarnContext(ctx, "rate limit: redis unavailable, counting in memory", "err", err)
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
	writeErr(c, http.StatusTooManyRequests, "rate_limited", "操作太频繁，请 "+s+" 秒后再试 too many "+what+"; retry after "+s+" s")
}

// rateLimit refuses a buyer's write over the limit with 429.
func (a *API) rateLimit(c *gin.Context) {
	if ok, left := a.limit.allow(c.Request.Context(), strconv.FormatUint(buyer(c).ID, 10)); !ok {
		tooMany(c, left, "writes")
		return
	}
	c.Next()
}
