package service

import "context"

// BuyerCacheKey is the Redis key of buyer id's cached answer, for tests
// that look at or tamper with the entry.
func BuyerCacheKey(c *BuyerCache, id uint64) string { return c.key(id) }

// BuyerCachePut fills the entry for b as ByID does after a database read,
// for tests that play a reader whose fill races a write.
func BuyerCachePut(ctx context.Context, c *BuyerCache, b Buyer) { c.put(ctx, b) }
