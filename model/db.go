package model

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Options says which database to open: MySQL/MariaDB when MySQLDSN is set,
// else the embedded SQLite file at SQLitePath.
type Options struct {
	MySQLDSN   string
	SQLitePath string
	Log        *slog.Logger
	// Replicas are read replicas of the MySQL/MariaDB primary; reads marked
	// OnReplica go to them (see replicas.go).
	Replicas ReplicaOptions
}

// Open opens the database and checks that it answers.
func Open(ctx context.Context, o Options) (*gorm.DB, error) {
	cfg := &gorm.Config{
		Logger: logger.New(slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn), logger.Config{
			SlowThreshold:             time.Second,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
		}),
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	var dial gorm.Dialector
	if o.MySQLDSN != "" {
		dsn, err := tuneDSN(o.MySQLDSN)
		if err != nil {
			return nil, err
		}
		// No RETURNING: gorm uses it on MariaDB 10.5+, and there an
		// INSERT ... ON DUPLICATE KEY UPDATE id=id (OnConflict DoNothing)
		// returns the existing row, so RowsAffected says 1 for a duplicate
		// and "only the instance whose insert went in" goes wrong (a
		// stocking list, an alarm, a notice sent twice). Without it both
		// engines answer as MySQL 8 does: 0 for a duplicate.
		dial = mysql.New(mysql.Config{DSN: dsn, DisableWithReturning: true})
	} else {
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// WAL lets readers run beside the writer; immediate transactions take
		// the write lock at BEGIN so two writers never deadlock upgrading a
		// read lock; the busy timeout makes writers queue instead of failing.
		dial = sqlite.Open("file:" + o.SQLitePath +
			"?_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate")
	}
	db, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := watchReference(db); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if IsMySQL(db) {
		sqlDB.SetMaxOpenConns(100)
		sqlDB.SetMaxIdleConns(100)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	} else {
		sqlDB.SetMaxOpenConns(8)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	if len(o.Replicas.DSNs) > 0 {
		if err := openReplicas(ctx, db, o.Replicas, o.Log); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open replicas: %w", err)
		}
	}
	return db, nil
}

// tuneDSN turns on client-side parameter interpolation: without it every
// statement with arguments costs three round trips (prepare, execute,
// close) instead of one, which triples the work on a hot order path.
func tuneDSN(dsn string) (string, error) {
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysql dsn: %w", err)
	}
	c.InterpolateParams = true
	// Several statements in one round trip (model.Script): a placement
	// batch sends its INSERTs and stock UPDATEs together. Every statement
	// orderhub builds binds its values (gorm, or ? placeholders the driver
	// escapes), so this opens no way to inject a second statement.
	c.MultiStatements = true
	return c.FormatDSN(), nil
}

// IsMySQL reports whether db is MySQL or MariaDB (else SQLite).
func IsMySQL(db *gorm.DB) bool { return db.Dialector.Name() == "mysql" }

// Row addresses one row of m's table by its primary key for a guarded
// write, `UPDATE t ... WHERE id = ? AND state = ?`, as db.Model(m) does.
// On MySQL and MariaDB it also forces the primary key: while a new table's
// statistics are still zero the optimizer may read the guard's secondary
// index instead (state, next_at) and lock every row in that range, so two
// instances writing different rows deadlock, and a SKIP LOCKED claim
// skips rows nobody is working on.
func Row(db *gorm.DB, m any) *gorm.DB {
	q := db.Model(m)
	if !IsMySQL(db) {
		return q
	}
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(m); err != nil {
		return q
	}
	return q.Table("`" + stmt.Schema.Table + "` FORCE INDEX (PRIMARY)")
}

// Close closes the pool under db, and its replicas'.
func Close(db *gorm.DB) error {
	if set, ok := db.Config.Plugins[replicasPlugin].(*replicaSet); ok {
		set.close()
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
