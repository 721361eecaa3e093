// Package redisclient opens the Redis orderhub is configured with — one
// server, the master a set of sentinels names, or a Redis Cluster — as one
// go-redis UniversalClient, so everything that uses Redis is the same code
// on each.
//
// On a Cluster every command orderhub sends names one key (SET NX, GET,
// DEL, INCR, the lock's release script, the rate limit's MULTI on its one
// counter), and pipelines of several keys (the buyer cache's fences) need
// no transaction, which go-redis splits by slot. So no key needs a hash tag
// today; a command or script that touches two keys at once must give them
// one ({...}) so they share a slot (TestKeysOfOneCommandShareASlot).
package redisclient

import (
	"time"

	"github.com/redis/go-redis/v9"

	"orderhub/config"
)

// New returns the client for c. Short timeouts: with Redis down, or in the
// seconds of a failover, reservations go on with database locks alone, and
// a long dial timeout would stall every one of them.
func New(c config.Redis) redis.UniversalClient {
	o := &redis.UniversalOptions{
		Password: c.Password, DB: c.DB,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond,
		PoolSize: 64, MaxRetries: 1,
	}
	switch {
	case len(c.Sentinel.Addrs) > 0:
		o.Addrs, o.MasterName, o.SentinelPassword = c.Sentinel.Addrs, c.Sentinel.Master, c.Sentinel.Password
	case len(c.Cluster.Addrs) > 0:
		// Even with a single seed address (a managed cluster's
		// configuration endpoint) it is a cluster.
		o.Addrs, o.IsClusterMode = c.Cluster.Addrs, true
	default:
		o.Addrs = []string{c.Addr}
	}
	return redis.NewUniversalClient(o)
}
