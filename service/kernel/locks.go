package kernel

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
)

// Locker hands out per-key locks that serialise contending work across
// instances (internal/redislock over Redis). A lock only cuts contention:
// the database's conditional updates guard the invariants, so an expired
// lock or a Redis outage can slow things down but never let stock be
// oversold.
type Locker interface {
	// Lock takes every key and returns a func that releases what it took.
	// It never fails: held=false says the caller relies on the database.
	Lock(ctx context.Context, keys []string) (release func(), held bool)
}

func RandomToken() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
