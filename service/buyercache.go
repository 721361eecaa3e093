package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/model"
)

// BuyerCacheTTL is how long Buyers.ByID's answer is kept in Redis. Every
// write through the service removes the entry at once (see forget), so the
// TTL is not how stale an answer may be in the normal case; it bounds what
// the invalidation cannot reach: a write made outside orderhub (SQL by
// hand, an older binary during a rolling deploy), an invalidation lost to
// a Redis blip, a reader stalled past the fence below. 30 s: long enough
// that a buyer browsing (a request every few seconds) is answered from
// Redis for most of a visit — at 1,000 requests/s from 50 buyers any TTL
// over a second hits ~100% — and short enough that those cases heal about
// as fast as a buyer retries.
const BuyerCacheTTL = 30 * time.Second

const (
	// buyerCacheTimeout bounds one Redis call of the cache: a read from
	// the database costs about as much, so waiting longer never pays.
	buyerCacheTimeout = 50 * time.Millisecond
	// buyerCacheDown is how long the cache skips Redis after a failure, so
	// an outage costs one timeout per second, not one per request.
	buyerCacheDown = time.Second
	// buyerFence is how long an invalidated entry refuses to be filled
	// again (see forget).
	buyerFence = 2 * time.Second
	// buyerFenceValue marks an invalidated entry; no JSON object is "-".
	buyerFenceValue = "-"
	// buyerKeyPart names the keys; v1 is the payload's shape, so a build
	// with another model.Buyer or model.Customer never reads old payloads.
	buyerKeyPart = "buyer:v1:"
)

// BuyerCache keeps Buyers.ByID's answer — the buyer and the customer they
// order for, what every authenticated mini-program request looks up — in
// Redis under "<prefix>buyer:v1:{b<buyer id>}".
//
// The database stays the truth: a miss, a bad payload, a Redis error or a
// slow Redis (over buyerCacheTimeout) reads the database and the request
// goes on; nothing a buyer does depends on Redis being up. Misses (an
// unknown buyer) are not cached: a signed session names a buyer that
// existed, so they are rare, and caching them would only add a case to
// invalidate.
//
// Invalidation: one key per buyer holds both rows, so a change to a
// customer must find that customer's buyers: ForgetCustomers reads their
// ids from the database after the change commits (customer edits are rare
// staff actions; the read is one indexed query on buyers.customer_id).
// Keying the customer separately would spare that query but cost every
// request a second Redis round trip (buyer → customer id → customer), the
// opposite of the point.
//
// Every write forgets after its commit (before it, a concurrent reader
// could fill the entry again with the old rows, and nothing would remove
// them). Forgetting does not delete the key but sets a short-lived fence
// in its place, and a fill only sets a key that is absent (SET NX): a
// reader that read the old rows before the commit and fills after it
// finds the fence and leaves the key alone, and one that filled just
// before the fence is overwritten by it. What the fence cannot close — a
// reader whose fill lands more than buyerFence after the commit, or a
// fence that failed to be written — BuyerCacheTTL bounds.
//
// A nil *BuyerCache caches nothing (tests, the practice sandbox).
type BuyerCache struct {
	rdb    redis.UniversalClient // a view of the app's client with short timeouts
	prefix string
	ttl    time.Duration
	fence  time.Duration
	log    *slog.Logger
	// downUntil (unix nanos) skips Redis reads and fills for a moment
	// after a failure.
	downUntil atomic.Int64
}

// NewBuyerCache returns a BuyerCache on rdb under the app's key prefix.
func NewBuyerCache(rdb redis.UniversalClient, prefix string, log *slog.Logger) *BuyerCache {
	if rdb == nil || log == nil {
		panic("service: NewBuyerCache: nil dependency")
	}
	// WithTimeout shares rdb's connection pool; only the read and write
	// deadlines of this view's commands are shorter. A Sentinel-backed
	// client is a *redis.Client too; on a Cluster the calls' own context
	// deadlines bound them.
	if c, ok := rdb.(*redis.Client); ok {
		rdb = c.WithTimeout(buyerCacheTimeout)
	}
	return &BuyerCache{rdb: rdb, prefix: prefix, ttl: BuyerCacheTTL, fence: buyerFence, log: log}
}

func (c *BuyerCache) key(id uint64) string {
	return c.prefix + buyerKeyPart + BuyerKeyTag(id)
}

// BuyerKeyTag is the Redis Cluster hash tag of the keys about one buyer,
// "{b<id>}": a key that is read together with the buyer's cache entry in
// one command (the session revocation mark, one MGET) carries it too, so
// both hash to one slot and a Cluster answers the MGET.
func BuyerKeyTag(id uint64) string { return "{b" + strconv.FormatUint(id, 10) + "}" }

func (c *BuyerCache) down() bool { return time.Now().UnixNano() < c.downUntil.Load() }

// failed records a Redis failure, unless it was only the caller giving up.
func (c *BuyerCache) failed(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	c.downUntil.Store(time.Now().Add(buyerCacheDown).UnixNano())
	c.log.WarnContext(ctx, "buyer cache: redis unavailable, reading the database", "op", what, "err", err)
}

// get returns the cached answer for buyer id; ok is false on a miss, a
// fence, or any failure.
func (c *BuyerCache) get(ctx context.Context, id uint64) (b Buyer, ok bool) {
	if c == nil || c.down() {
		return Buyer{}, false
	}
	rctx, cancel := context.WithTimeout(ctx, buyerCacheTimeout)
	defer cancel()
	raw, err := c.rdb.Get(rctx, c.key(id)).Bytes()
	if errors.Is(err, redis.Nil) || (err == nil && string(raw) == buyerFenceValue) {
		return Buyer{}, false
	}
	if err != nil {
		c.failed(ctx, "get", err)
		return Buyer{}, false
	}
	if err := json.Unmarshal(raw, &b); err != nil || b.ID != id {
		c.log.WarnContext(ctx, "buyer cache: unreadable entry, reading the database", "buyer", id, "err", err)
		return Buyer{}, false
	}
	return b, true
}

// getUnlessMarked is get and, in the same round trip (one MGET), whether
// the key mark exists: marked with the buyer not looked at when it does.
// asked is false when Redis was not asked (skipped after a failure) or
// did not answer within buyerCacheTimeout; then neither is known.
func (c *BuyerCache) getUnlessMarked(ctx context.Context, id uint64, mark string) (b Buyer, hit, marked, asked bool) {
	if c == nil || c.down() {
		return Buyer{}, false, false, false
	}
	rctx, cancel := context.WithTimeout(ctx, buyerCacheTimeout)
	defer cancel()
	vals, err := c.rdb.MGet(rctx, mark, c.key(id)).Result()
	if err == nil && len(vals) != 2 {
		err = fmt.Errorf("mget answered %d values for 2 keys", len(vals))
	}
	if err != nil {
		c.failed(ctx, "mget", err)
		return Buyer{}, false, false, false
	}
	if vals[0] != nil {
		return Buyer{}, false, true, true
	}
	raw, _ := vals[1].(string)
	if vals[1] == nil || raw == buyerFenceValue {
		return Buyer{}, false, false, true
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil || b.ID != id {
		c.log.WarnContext(ctx, "buyer cache: unreadable entry, reading the database", "buyer", id, "err", err)
		return Buyer{}, false, false, true
	}
	return b, true, false, true
}

// put fills the entry for b unless one is there already (a fence, or a
// concurrent fill of the same rows).
func (c *BuyerCache) put(ctx context.Context, b Buyer) {
	if c == nil || c.down() {
		return
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, buyerCacheTimeout)
	defer cancel()
	if err := c.rdb.SetArgs(rctx, c.key(b.ID), raw, redis.SetArgs{Mode: "NX", TTL: c.ttl}).Err(); err != nil && !errors.Is(err, redis.Nil) {
		c.failed(ctx, "put", err)
	}
}

// forget fences the entries of buyers ids; called after the write that
// changed them has committed. It is tried even while reads skip Redis:
// an entry left behind would be served once Redis answers again.
func (c *BuyerCache) forget(ctx context.Context, ids ...uint64) {
	if c == nil || len(ids) == 0 {
		return
	}
	// The write has committed: a caller giving up now must not leave the
	// old rows cached.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), buyerCacheTimeout+time.Duration(len(ids))*time.Microsecond)
	defer cancel()
	_, err := c.rdb.Pipelined(rctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Set(rctx, c.key(id), buyerFenceValue, c.fence)
		}
		return nil
	})
	if err != nil {
		c.failed(ctx, "forget", err)
		c.log.WarnContext(ctx, "buyer cache: could not invalidate; entries may be stale until they expire", "buyers", len(ids), "ttl", c.ttl, "err", err)
	}
}

// ForgetCustomers fences the entries of every buyer who orders for one of
// the customers ids; called after the change to those customers has
// committed, so a buyer linked to one of them meanwhile is found too.
func (c *BuyerCache) ForgetCustomers(ctx context.Context, db *gorm.DB, ids []uint64) {
	if c == nil {
		return
	}
	db = db.WithContext(context.WithoutCancel(ctx))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var buyers []uint64
		if err := db.Model(&model.Buyer{}).Where("customer_id IN ?", ids[:n]).Pluck("id", &buyers).Error; err != nil {
			c.log.WarnContext(ctx, "buyer cache: could not find the customers' buyers; their entries may be stale until they expire", "ttl", c.ttl, "err", err)
		}
		for len(buyers) > 0 {
			m := min(len(buyers), 500)
			c.forget(ctx, buyers[:m]...)
			buyers = buyers[m:]
		}
		ids = ids[n:]
	}
}
