package miniprogram

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// limiter counts each buyer's writes in a fixed window in Redis, so the
// limit holds across every instance behind a load balancer.
type limiter struct {
	rdb    *redis.Client
	prefix string
	limit  int
	window time.Duration
}

func newLimiter(rdb *redis.Client, prefix string, limit int, window time.Duration) *limiter {
	return &limiter{rdb: rdb, prefix: prefix, limit: limit, window: window}
}

// hitScript counts one write and starts the window on the first; it
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

// allow counts a write by buyer and reports whether it is within the limit
// and, if not, how long until the window ends.
func (l *limiter) allow(c *gin.Context, buyerID uint64) (bool, time.Duration, error) {
	key := l.prefix + "mp:ratelimit:" + strconv.FormatUint(buyerID, 10)
	res, err := hitScript.Run(c.Request.Context(), l.rdb, []string{key}, l.window.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	return res[0] <= int64(l.limit), time.Duration(res[1]) * time.Millisecond, nil
}

// rateLimit refuses a buyer's write over the limit with 429 and
// Retry-After (whole seconds, rounded up).
func (a *API) rateLimit(c *gin.Context) {
	ok, left, err := a.limit.allow(c, buyer(c).ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	if !ok {
		secs := int64((left + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		c.Header("Retry-After", strconv.FormatInt(secs, 10))
		writeErr(c, http.StatusTooManyRequests, "rate_limited", "操作太频繁，请 "+strconv.FormatInt(secs, 10)+" 秒后再试 too many writes; retry after "+strconv.FormatInt(secs, 10)+" s")
		return
	}
	c.Next()
}
