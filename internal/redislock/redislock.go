// Package redislock hands out per-key Redis locks that serialise
// contending work across instances (service.Orders takes them around a
// batch's re-plan). Plumbing: it knows Redis, not what it guards.
package redislock

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Locker hands out per-key Redis locks that serialise contending work across
// instances. A lock only cuts contention: the database's conditional updates
// guard the invariants, so an expired lock or a Redis outage can slow
// things down but never let stock be oversold.
type Locker struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
	wait   time.Duration
	log    *slog.Logger
	// downUntil (unix nanos) skips Redis for a moment after it failed, so an
	// outage costs one timeout, not one per reservation.
	downUntil atomic.Int64
}

// New returns a Locker whose locks expire after ttl and which waits at
// most wait for a held lock.
func New(rdb redis.UniversalClient, prefix string, ttl, wait time.Duration, log *slog.Logger) *Locker {
	if rdb == nil || log == nil {
		panic("redislock: New: nil dependency")
	}
	return &Locker{rdb: rdb, prefix: prefix, ttl: ttl, wait: wait, log: log}
}

// releaseScript deletes a lock only if it still holds our token, so a
// holder whose lock expired never frees someone else's.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Lock takes every key in sorted order (so two callers never wait on each
// other in a cycle) and returns a func that releases what it took. It never
// fails: when Redis is down or a lock stays held past the wait, it returns
// with what it holds and held=false, and the caller relies on the database.
func (l *Locker) Lock(ctx context.Context, keys []string) (release func(), held bool) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	token := randomToken()
	var taken []string
	release = func() {
		// Release even if ctx is done: a lock left behind costs others a TTL.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		for _, k := range taken {
			if err := releaseScript.Run(rctx, l.rdb, []string{k}, token).Err(); err != nil {
				l.log.WarnContext(ctx, "release lock", "key", k, "err", err)
			}
		}
	}
	if time.Now().UnixNano() < l.downUntil.Load() {
		return release, false
	}
	deadline := time.Now().Add(l.wait)
	for _, k := range keys {
		k = l.prefix + "lock:" + k
		for {
			ok, err := l.rdb.SetNX(ctx, k, token, l.ttl).Result()
			if err != nil {
				l.log.WarnContext(ctx, "redis lock unavailable; relying on database locks", "key", k, "err", err)
				l.downUntil.Store(time.Now().Add(time.Second).UnixNano())
				return release, false
			}
			if ok {
				taken = append(taken, k)
				break
			}
			if time.Now().After(deadline) {
				return release, false
			}
			select {
			case <-ctx.Done():
				return release, false
			case <-time.After(time.Duration(1+rand.IntN(4)) * time.Millisecond):
			}
		}
	}
	return release, true
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
