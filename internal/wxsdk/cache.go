// Package wxsdk is the glue both edges that talk to Tencent (bot for WeCom,
// miniprogram for WeChat) need around silenceper/wechat: a token cache over
// orderhub's go-redis v9 client (the library's own is go-redis v8), shared
// by every instance so gettoken is called once per expiry, not once per
// process; and the rewrite of its hard-coded API hosts to a configured base.
package wxsdk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// Redis is a cache.ContextCache whose keys live under a prefix. Every
// value set is also kept in this instance's memory, and read from there
// while Redis cannot be reached: with Redis down each instance keeps its
// own access token (one gettoken per instance per expiry) instead of
// failing every send — the library refuses a token it could not store.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string

	mu    sync.Mutex
	local map[string]entry
}

type entry struct {
	val     string
	expires time.Time
}

var _ cache.ContextCache = (*Redis)(nil)

// New returns a cache keeping its keys under prefix.
func New(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix, local: map[string]entry{}}
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
	switch {
	case err == nil:
		return v
	case errors.Is(err, redis.Nil):
		return nil // absent (or deleted by another instance): fetch afresh
	}
	if v, ok := c.memory(key); ok {
		return v
	}
	return nil
}

func (c *Redis) memory(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.local[key]
	if !ok || !time.Now().Before(e.expires) {
		delete(c.local, key)
		return "", false
	}
	return e.val, true
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
	s := fmt.Sprint(val)
	c.mu.Lock()
	c.local[key] = entry{val: s, expires: time.Now().Add(timeout)}
	c.mu.Unlock()
	// Redis down: the memory copy serves this instance; the library must
	// not be told the token is unusable.
	_ = c.rdb.Set(ctx, c.prefix+key, s, timeout).Err()
	return nil
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
	if err != nil {
		_, ok := c.memory(key)
		return ok
	}
	return n > 0
}

// Delete removes key.
func (c *Redis) Delete(key string) error {
	ctx, cancel := bg()
	defer cancel()
	return c.DeleteContext(ctx, key)
}

// DeleteContext is Delete with a context.
func (c *Redis) DeleteContext(ctx context.Context, key string) error {
	c.mu.Lock()
	delete(c.local, key)
	c.mu.Unlock()
	return c.rdb.Del(ctx, c.prefix+key).Err()
}
