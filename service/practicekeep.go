package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// SandboxStore is where practice sandboxes live, as PracticeKeeper needs
// it: cmd/orderhub's practice (SQLite files, or MySQL databases).
type SandboxStore interface {
	// Keys lists every sandbox there is.
	Keys(ctx context.Context) ([]string, error)
	// LastUse reads the sandbox key's use (PracticeLastUse) without
	// running it; ok is false when it is gone.
	LastUse(ctx context.Context, key string) (_ SandboxUse, ok bool, _ error)
	// Remove removes the sandbox key; one already gone is no error, so
	// two instances removing it at once both succeed.
	Remove(ctx context.Context, key string) error
}

// SandboxUse is who a sandbox is for and when it was last used.
type SandboxUse struct {
	UserID string // "" for a sandbox made but never filled
	Active bool   // the trainee practises there now
	Last   time.Time
}

// PracticeLastUse reads when the sandbox db was last used: the latest of
// its session's start and last change (练习, 退出练习) and the newest
// message the trainee sent while practising (every one is an inbound row
// of the sandbox, whatever it did). These are the trainee's doing alone:
// a mentor reading progress, a deploy migrating the schema or the
// sandbox's own outbox change none of them. A sandbox never filled (no
// session: 练习 failed, or is filling it now) counts from when its schema
// was made, and one without even that from the zero time.
func PracticeLastUse(ctx context.Context, db *gorm.DB) (_ SandboxUse, err error) {
	defer wrapOp(&err, "PracticeLastUse")
	db = db.WithContext(ctx)
	var u SandboxUse
	later := func(t time.Time) {
		if t.After(u.Last) {
			u.Last = t
		}
	}
	// GetTables, not HasTable: HasTable answers false when it cannot ask
	// (a database dropped meanwhile), which would read as "never used".
	tables, err := db.Migrator().GetTables()
	if err != nil {
		return u, err
	}
	if !slices.Contains(tables, "schema_migrations") {
		return u, nil
	}
	var s model.PracticeSession
	err = db.Order("id").Take(&s).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		var m model.SchemaMigration
		if err := db.Order("applied_at DESC").Take(&m).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return u, err
		}
		later(m.AppliedAt)
		return u, nil
	case err != nil:
		return u, err
	}
	u.UserID, u.Active = s.UserID, s.State == model.PracticeActive
	later(s.StartedAt)
	later(s.UpdatedAt)
	var in model.Inbound
	if err := db.Select("id", "created_at").Order("id DESC").Take(&in).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return u, err
	}
	later(in.CreatedAt)
	return u, nil
}

// PracticeKeeper removes practice sandboxes nobody has used for
// practice.keep_days, so a company with staff turnover does not gather
// databases. Every instance runs one: removing is idempotent (a sandbox
// another instance removed meanwhile is passed over), and it needs only
// the databases, not Redis.
type PracticeKeeper struct {
	store SandboxStore
	real  *gorm.DB // where a trainee still practising is told
	keep  int      // days; 0 keeps every sandbox
	clock Clock
	log   *slog.Logger
}

// NewPracticeKeeper returns the keeper of store's sandboxes, removing
// those unused for keepDays days (0: none).
func NewPracticeKeeper(store SandboxStore, real *gorm.DB, keepDays int, clock Clock, log *slog.Logger) *PracticeKeeper {
	if store == nil || real == nil || clock == nil || log == nil {
		panic("service: NewPracticeKeeper: nil dependency")
	}
	return &PracticeKeeper{store: store, real: real, keep: keepDays, clock: clock, log: log}
}

// Expire removes every sandbox last used (PracticeLastUse) more than
// keep days ago and returns what it removed. A trainee still practising
// in one is told, once however many instances remove it (the message's
// key). A sandbox it cannot read is left for the next run, the others
// are still looked at; the error names it.
func (k *PracticeKeeper) Expire(ctx context.Context) (removed []SandboxUse, err error) {
	defer wrapOp(&err, "PracticeKeeper.Expire")
	if k.keep <= 0 {
		return nil, nil
	}
	keys, err := k.store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	cutoff := k.clock().Add(-time.Duration(k.keep) * 24 * time.Hour)
	var errs []error
	for _, key := range keys {
		u, ok, err := k.store.LastUse(ctx, key)
		if err != nil {
			errs = append(errs, fmt.Errorf("sandbox %s: %w", key, err))
			continue
		}
		if !ok || !u.Last.Before(cutoff) {
			continue
		}
		if err := k.store.Remove(ctx, key); err != nil {
			errs = append(errs, fmt.Errorf("remove sandbox %s: %w", key, err))
			continue
		}
		k.log.InfoContext(ctx, "practice: removed an unused sandbox", "sandbox", key, "user", u.UserID, "last_used", u.Last)
		if u.Active && u.UserID != "" {
			if err := k.tell(ctx, key, u); err != nil {
				errs = append(errs, fmt.Errorf("tell %s: %w", u.UserID, err))
			}
		}
		removed = append(removed, u)
	}
	return removed, errors.Join(errs...)
}

// tell queues the trainee's notice; its key makes a second instance's
// removal of the same sandbox queue nothing.
func (k *PracticeKeeper) tell(ctx context.Context, key string, u SandboxUse) error {
	now := k.clock()
	return inTx(ctx, k.real, func(tx *gorm.DB) error {
		_, err := enqueueOne(tx, now, 0, Message{To: []string{u.UserID}, Type: MsgTypePracticeExpired,
			Key:  fmt.Sprintf("practice_expired:%s:%d", key, u.Last.Unix()),
			Body: PracticeExpired{UserID: u.UserID, LastUsed: u.Last, KeepDays: k.keep}})
		return err
	})
}

// Run expires sandboxes now and then every period until ctx ends, and
// pokes the outbox when it told someone.
func (k *PracticeKeeper) Run(ctx context.Context, period time.Duration, poke func()) {
	if k.keep <= 0 {
		return
	}
	everyTick(ctx, period, k.log, "practice expiry", func() {
		removed, err := k.Expire(ctx)
		if err != nil && ctx.Err() == nil {
			k.log.ErrorContext(ctx, "practice expiry", "err", err)
		}
		if len(removed) > 0 && poke != nil {
			poke()
		}
	})
}
