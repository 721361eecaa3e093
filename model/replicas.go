package model

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// Why a replica is skipped (the primary serves its reads meanwhile).
const (
	ReplicaDown    = "down"    // it does not answer
	ReplicaStopped = "stopped" // it answers but does not replicate (threads stopped, an error, not a replica)
	ReplicaLagging = "lag"     // it replicates but is further behind than the bound
)

// replicaResolver names the dbresolver configuration OnReplica selects. It
// is registered under a name only, never as the global resolver: with a
// global one dbresolver sends every read outside a transaction to a
// replica, including the reads that decide a write (a duplicate check, an
// idempotency key). Here a read goes to a replica only when its caller
// asked for it.
const replicaResolver = "orderhub:replicas"

const replicasPlugin = "orderhub:replica-set"

// OnReplica marks db's reads as ones a read replica may answer: the board,
// its gauges, the metrics, insight and exports, whose figures may be a
// moment old. Writes made through it, and anything inside a transaction,
// still go to the primary (dbresolver keeps a transaction on its
// connection). Never use it for a read whose answer decides a write. Without
// replicas configured it returns db as it is.
func OnReplica(db *gorm.DB) *gorm.DB {
	if _, ok := db.Config.Plugins[replicasPlugin]; !ok {
		return db
	}
	return db.Clauses(dbresolver.Use(replicaResolver)).Session(&gorm.Session{})
}

// ReplicaStat is one replica's state, for the metrics.
type ReplicaStat struct {
	// Addr is the replica's host:port (never its password).
	Addr string
	// Usable says whether reads go to it now; Reason says why not.
	Usable bool
	Reason string
	// Lag is how far it was behind at the last check; LagKnown is false
	// when it could not say (down, stopped).
	Lag      time.Duration
	LagKnown bool
	// Reads is how many reads it answered; Skipped counts, by reason, the
	// reads that passed it over because it was unusable.
	Reads   uint64
	Skipped map[string]uint64
}

// ReplicaStats is the state of db's replicas (none without replicas), and
// how many reads marked OnReplica the primary answered because no replica
// was usable.
func ReplicaStats(db *gorm.DB) (replicas []ReplicaStat, primaryReads uint64) {
	p, ok := db.Config.Plugins[replicasPlugin].(*replicaSet)
	if !ok {
		return nil, 0
	}
	for _, r := range p.replicas {
		replicas = append(replicas, r.stat())
	}
	return replicas, p.primaryReads.Load()
}

// CheckReplicas checks every replica now instead of at the next tick.
func CheckReplicas(ctx context.Context, db *gorm.DB) {
	if p, ok := db.Config.Plugins[replicasPlugin].(*replicaSet); ok {
		p.checkAll(ctx)
	}
}

// replicaSet is the connection pool dbresolver sends replica reads to. It
// is one pool for dbresolver (whose Policy is not asked when there is a
// single replica) and picks per query: a usable replica in turn, else the
// primary. A background check marks each replica usable or not from its
// replication status; a query that cannot reach a replica marks it down at
// once and is answered by the primary.
type replicaSet struct {
	primary      gorm.ConnPool
	replicas     []*replica
	maxLag       time.Duration
	every        time.Duration
	log          *slog.Logger
	next         atomic.Uint64
	primaryReads atomic.Uint64
	stop         chan struct{}
	done         chan struct{}
	closeOnce    sync.Once
}

type replica struct {
	addr string
	db   *sql.DB

	mu       sync.Mutex
	usable   bool
	reason   string
	lag      time.Duration
	lagKnown bool

	reads   atomic.Uint64
	skipped [3]atomic.Uint64 // by reasonIndex
}

var reasons = [...]string{ReplicaDown, ReplicaStopped, ReplicaLagging}

func reasonIndex(reason string) int {
	for i, r := range reasons {
		if r == reason {
			return i
		}
	}
	return 0
}

// ReplicaOptions tunes the read replicas.
type ReplicaOptions struct {
	// DSNs of the replicas, as the primary's.
	DSNs []string
	// MaxLag is the most a replica may be behind and still answer.
	MaxLag time.Duration
	// CheckEvery is how often each replica's replication status is read.
	CheckEvery time.Duration
}

func openReplicas(ctx context.Context, db *gorm.DB, o ReplicaOptions, log *slog.Logger) error {
	if !IsMySQL(db) {
		return errors.New("read replicas need MySQL or MariaDB")
	}
	if o.MaxLag <= 0 {
		o.MaxLag = 5 * time.Second
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = time.Second
	}
	set := &replicaSet{
		primary: db.Config.ConnPool, maxLag: o.MaxLag, every: o.CheckEvery, log: log,
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	for i, raw := range o.DSNs {
		dsn, err := tuneDSN(raw)
		if err != nil {
			set.closeReplicas()
			return fmt.Errorf("replica %d: %w", i+1, err)
		}
		c, _ := gomysql.ParseDSN(dsn)
		// A replica that is gone must not hold a read for the driver's
		// default dial timeout: the read fails over to the primary.
		if c.Timeout == 0 || c.Timeout > time.Second {
			c.Timeout = time.Second
		}
		sqlDB, err := sql.Open("mysql", c.FormatDSN())
		if err != nil {
			set.closeReplicas()
			return fmt.Errorf("replica %s: %w", c.Addr, err)
		}
		sqlDB.SetMaxOpenConns(50)
		sqlDB.SetMaxIdleConns(50)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		set.replicas = append(set.replicas, &replica{addr: c.Addr, db: sqlDB, reason: ReplicaDown})
	}
	// Known before the first request: a replica is used only once a check
	// found it replicating within the bound.
	set.checkAll(ctx)
	if err := db.Use(set); err != nil {
		set.closeReplicas()
		return err
	}
	err := db.Use(dbresolver.Register(dbresolver.Config{
		Replicas: []gorm.Dialector{mysql.New(mysql.Config{
			Conn: set, SkipInitializeWithVersion: true, DisableWithReturning: true,
		})},
	}, replicaResolver))
	if err != nil {
		set.closeReplicas()
		return err
	}
	go set.watch()
	return nil
}

// Name and Initialize make the set a gorm plugin, so OnReplica,
// ReplicaStats and Close find it from the *gorm.DB alone.
func (s *replicaSet) Name() string                 { return replicasPlugin }
func (s *replicaSet) Initialize(db *gorm.DB) error { return nil }

func (s *replicaSet) watch() {
	defer close(s.done)
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.checkAll(context.Background())
		}
	}
}

func (s *replicaSet) close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.closeReplicas()
	})
}

func (s *replicaSet) closeReplicas() {
	for _, r := range s.replicas {
		_ = r.db.Close()
	}
}

func (s *replicaSet) checkAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, r := range s.replicas {
		wg.Go(func() {
			timeout := min(s.every, 2*time.Second)
			cctx, cancel := context.WithTimeout(ctx, max(timeout, 500*time.Millisecond))
			defer cancel()
			lag, known, reason, err := replicationStatus(cctx, r.db)
			if reason == "" && lag > s.maxLag {
				reason = ReplicaLagging
			}
			s.set(r, reason, lag, known, err)
		})
	}
	wg.Wait()
}

// set records a check's outcome and logs a change of state.
func (s *replicaSet) set(r *replica, reason string, lag time.Duration, known bool, err error) {
	r.mu.Lock()
	was, wasReason := r.usable, r.reason
	r.usable, r.reason, r.lag, r.lagKnown = reason == "", reason, lag, known
	r.mu.Unlock()
	switch {
	case reason == "" && !was:
		s.log.Info("read replica in use", "replica", r.addr, "lag", lag)
	case reason != "" && (was || reason != wasReason):
		attrs := []any{"replica", r.addr, "reason", reason, "max_lag", s.maxLag}
		if known {
			attrs = append(attrs, "lag", lag)
		}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		s.log.Warn("read replica skipped, the primary serves its reads", attrs...)
	}
}

// markDown takes a replica out at once when a read could not reach it;
// the next check brings it back if it answers again.
func (s *replicaSet) markDown(r *replica, err error) {
	r.mu.Lock()
	was := r.usable
	r.usable, r.reason, r.lagKnown = false, ReplicaDown, false
	r.mu.Unlock()
	if was {
		s.log.Warn("read replica skipped, the primary serves its reads", "replica", r.addr, "reason", ReplicaDown, "err", err)
	}
}

func (r *replica) state() (usable bool, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.usable, r.reason
}

func (r *replica) stat() ReplicaStat {
	r.mu.Lock()
	st := ReplicaStat{Addr: r.addr, Usable: r.usable, Reason: r.reason, Lag: r.lag, LagKnown: r.lagKnown}
	r.mu.Unlock()
	st.Reads = r.reads.Load()
	st.Skipped = map[string]uint64{}
	for i, name := range reasons {
		st.Skipped[name] = r.skipped[i].Load()
	}
	return st
}

// pick returns the next usable replica in turn, counting a skip on each
// unusable one it passes, or nil when none is usable.
func (s *replicaSet) pick() *replica {
	n := len(s.replicas)
	start := int(s.next.Add(1) % uint64(n))
	for i := range n {
		r := s.replicas[(start+i)%n]
		usable, reason := r.state()
		if usable {
			return r
		}
		r.skipped[reasonIndex(reason)].Add(1)
	}
	return nil
}

// QueryContext answers a read from a usable replica, or the primary.
func (s *replicaSet) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	for range len(s.replicas) {
		r := s.pick()
		if r == nil {
			break
		}
		rows, err := r.db.QueryContext(ctx, query, args...)
		if err != nil && ctx.Err() == nil && unreachable(err) {
			s.markDown(r, err)
			continue
		}
		r.reads.Add(1)
		return rows, err
	}
	s.primaryReads.Add(1)
	return s.primary.QueryContext(ctx, query, args...)
}

// QueryRowContext answers a one-row read the same way. Its error shows only
// at Scan, so a replica that died since its last check fails this read
// rather than passing it on; the check after takes it out.
func (s *replicaSet) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if r := s.pick(); r != nil {
		r.reads.Add(1)
		return r.db.QueryRowContext(ctx, query, args...)
	}
	s.primaryReads.Add(1)
	return s.primary.QueryRowContext(ctx, query, args...)
}

// ExecContext and PrepareContext go to the primary: dbresolver sends no
// write here, and a statement prepared for later use may be a write.
func (s *replicaSet) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.primary.ExecContext(ctx, query, args...)
}

// PrepareContext prepares on the primary (see ExecContext).
func (s *replicaSet) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return s.primary.PrepareContext(ctx, query)
}

// unreachable reports whether err says the server could not be reached
// (as opposed to a query the server refused).
func unreachable(err error) bool {
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) || errors.As(err, &ne)
}

// replicationStatus reads a replica's SHOW REPLICA STATUS (MySQL 8.0.22+,
// MariaDB 10.5.1+) or SHOW SLAVE STATUS (older), whose column names differ
// by engine and version. reason is "" when it replicates.
func replicationStatus(ctx context.Context, db *sql.DB) (lag time.Duration, known bool, reason string, err error) {
	rows, err := db.QueryContext(ctx, "SHOW REPLICA STATUS")
	if err != nil && !unreachable(err) && ctx.Err() == nil {
		rows, err = db.QueryContext(ctx, "SHOW SLAVE STATUS")
	}
	if err != nil {
		if unreachable(err) || ctx.Err() != nil {
			return 0, false, ReplicaDown, err
		}
		// Refused (no REPLICATION CLIENT / SLAVE MONITOR privilege):
		// without its status nobody knows how stale it is.
		return 0, false, ReplicaStopped, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, false, ReplicaDown, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, false, ReplicaDown, err
		}
		return 0, false, ReplicaStopped, errors.New("not a replica: its replication status is empty")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return 0, false, ReplicaDown, err
	}
	col := func(names ...string) sql.NullString {
		for i, c := range cols {
			for _, n := range names {
				if strings.EqualFold(c, n) {
					return vals[i]
				}
			}
		}
		return sql.NullString{}
	}
	io := col("Replica_IO_Running", "Slave_IO_Running")
	sqlRunning := col("Replica_SQL_Running", "Slave_SQL_Running")
	behind := col("Seconds_Behind_Source", "Seconds_Behind_Master")
	if !strings.EqualFold(io.String, "Yes") || !strings.EqualFold(sqlRunning.String, "Yes") || !behind.Valid {
		return 0, false, ReplicaStopped, fmt.Errorf("replication io %q, sql %q", io.String, sqlRunning.String)
	}
	secs, err := strconv.ParseInt(behind.String, 10, 64)
	if err != nil {
		return 0, false, ReplicaStopped, fmt.Errorf("seconds behind %q: %w", behind.String, err)
	}
	return time.Duration(secs) * time.Second, true, "", nil
}
