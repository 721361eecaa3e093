package config

import (
	"errors"
	"net"
)

// RedisSentinel reaches the Redis master through Sentinel: the client asks
// the sentinels which server is the master and follows a failover.
type RedisSentinel struct {
	// Addrs are the sentinels' host:port (ORDERHUB_REDIS_SENTINEL_ADDRS,
	// comma-separated).
	Addrs []string `yaml:"addrs" env:"ADDRS" envSeparator:","`
	// Master is the master name the sentinels monitor.
	Master string `yaml:"master" env:"MASTER"`
	// Password is the sentinels' own (requirepass in sentinel.conf), if
	// any; the data servers' is redis.password.
	Password string `yaml:"password" env:"PASSWORD"`
}

// RedisCluster is a Redis Cluster, reached through any of its nodes.
type RedisCluster struct {
	// Addrs are seed nodes' host:port (ORDERHUB_REDIS_CLUSTER_ADDRS,
	// comma-separated); the client learns the rest.
	Addrs []string `yaml:"addrs" env:"ADDRS" envSeparator:","`
}

// Configured reports whether a Redis server is configured (an
// address, sentinels or a cluster); without one orderhub runs its
// in-process Redis.
func (r Redis) Configured() bool {
	return r.Addr != "" || len(r.Sentinel.Addrs) > 0 || len(r.Cluster.Addrs) > 0
}

func (c *Config) validateRedis() error {
	r := c.Redis
	ways := 0
	for _, set := range []bool{r.Addr != "", len(r.Sentinel.Addrs) > 0, len(r.Cluster.Addrs) > 0} {
		if set {
			ways++
		}
	}
	if ways > 1 {
		return errors.New("config: redis: set one of addr (ORDERHUB_REDIS_ADDR), sentinel.addrs (ORDERHUB_REDIS_SENTINEL_ADDRS) or cluster.addrs (ORDERHUB_REDIS_CLUSTER_ADDRS), not several")
	}
	if len(r.Sentinel.Addrs) > 0 && r.Sentinel.Master == "" {
		return errors.New("config: redis.sentinel.master (ORDERHUB_REDIS_SENTINEL_MASTER): required with redis.sentinel.addrs: the name the sentinels monitor")
	}
	if r.Sentinel.Master != "" && len(r.Sentinel.Addrs) == 0 {
		return errors.New("config: redis.sentinel.addrs (ORDERHUB_REDIS_SENTINEL_ADDRS): required with redis.sentinel.master")
	}
	for _, a := range r.Sentinel.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return errors.New("config: redis.sentinel.addrs (ORDERHUB_REDIS_SENTINEL_ADDRS): " + a + " is not host:port")
		}
	}
	for _, a := range r.Cluster.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return errors.New("config: redis.cluster.addrs (ORDERHUB_REDIS_CLUSTER_ADDRS): " + a + " is not host:port")
		}
	}
	if len(r.Cluster.Addrs) > 0 && r.DB != 0 {
		return errors.New("config: redis.db (ORDERHUB_REDIS_DB): a Redis Cluster has only database 0")
	}
	return nil
}
