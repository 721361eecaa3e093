// Package wxsdk is the glue both edges that talk to Tencent (bot for WeCom,
// miniprogram for WeChat) need around silenceper/wechat: a token cache over
// orderhub's go-redis v9 client (the library's own is go-redis v8), shared
// by every instance so gettoken is called once per expiry, not once per
// process; and the rewrite of its hard-coded API hosts to a configured base.
package wxsdk

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// Redis is a cache.ContextCache whose keys live under a prefix.
type Redis struct {
	rdb    *redis.Client
	prefix string
}

var _ cache.ContextCache = (*Redis)(nil)

// New returns a cache keeping its keys under prefix.
func New(rdb *redis.Client, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

// bg bounds the calls the library makes without a context.
func bg() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Second)
}

// Get returns the value as a string, or nil when absent (or Redis down:
// then a token is fetched afresh, which is only slower).
func (c *Redis) Get(key string) any {
	ctx, cancel := bg()
	defer cancel()
	return c.GetContext(ctx, key)
}

// GetContext is Get with a context.
func (c *Redis) GetContext(ctx context.Context, key string) any {
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	if err != nil {
		return nil
	}
	return v
}

// Set stores val as a string for timeout (a minute when none is given).
func (c *Redis) Set(key string, val any, timeout time.Duration) error {
	ctx, cancel := bg()
	defer cancel()
	return c.SetContext(ctx, key, val, timeout)
}

// SetContext is Set with a context.
func (c *Redis) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = time.Minute
	}
	return c.rdb.Set(ctx, c.prefix+key, fmt.Sprint(val), timeout).Err()
}

// IsExist reports whether key is set.
func (c *Redis) IsExist(key string) bool {
	ctx, cancel := bg()
	defer cancel()
	return c.IsExistContext(ctx, key)
}

// IsExistContext is IsExist with a context.
func (c *Redis) IsExistContext(ctx context.Context, key string) bool {
	n, err := c.rdb.Exists(ctx, c.prefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key.
func (c *Redis) Delete(key string) error {
	ctx, cancel := bg()
	defer cancel()
	return c.DeleteContext(ctx, key)
}

// DeleteContext is Delete with a context.
func (c *Redis) DeleteContext(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, c.prefix+key).Err()
}
