package model

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// A Script sends several statements to MySQL or MariaDB in one round trip
// (a multi-statement) inside a transaction of its own, and reads back each
// statement's affected rows and first insert id. A placement batch is
// about ten statements in a row; sent one by one, each waits for the
// server and then for a CPU before the next goes, and on a busy machine
// that waiting is most of a batch's time.
//
// database/sql has no multi-statement results: the per-statement counts
// come from the driver's own mysql.Result, reachable only through
// sql.Conn.Raw, so the transaction is driven by hand on that connection
// (START TRANSACTION goes with the first statements, COMMIT on its own,
// ROLLBACK on any error; a connection whose ROLLBACK fails is thrown
// away, never returned to the pool inside a transaction).
type Script struct {
	ctx   context.Context
	conn  driver.ExecerContext
	check driver.NamedValueChecker
	begun bool
	db    *gorm.DB
}

// Stmt is one statement with its arguments (interpolated by the driver,
// as every statement on this connection is: model.Open sets
// interpolateParams).
type Stmt struct {
	SQL  string
	Args []any
}

// StmtResult is what one statement of a script did.
type StmtResult struct {
	RowsAffected int64
	// InsertID is the id of the first row an INSERT wrote; the rows of
	// one multi-row INSERT have consecutive ids (innodb_autoinc_lock_mode
	// 0, 1 or 2 alike for an INSERT whose row count is known, with
	// auto_increment_increment 1), the same thing gorm counts on when it
	// gives the rows of CreateInBatches their ids.
	InsertID int64
}

// InScript runs fn in a transaction on a connection of its own, for
// scripts; fn's error rolls the transaction back. MySQL and MariaDB only.
func InScript(ctx context.Context, db *gorm.DB, fn func(s *Script) error) error {
	if !IsMySQL(db) {
		return errors.New("model: scripts need MySQL or MariaDB")
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var ferr error
	rerr := conn.Raw(func(dc any) error {
		ex, ok := dc.(driver.ExecerContext)
		chk, ok2 := dc.(driver.NamedValueChecker)
		if !ok || !ok2 {
			ferr = fmt.Errorf("model: driver connection %T cannot run scripts", dc)
			return nil
		}
		s := &Script{ctx: ctx, conn: ex, check: chk, db: db}
		ferr = fn(s)
		if ferr == nil && s.begun {
			if _, err := ex.ExecContext(context.WithoutCancel(ctx), "COMMIT", nil); err != nil {
				// The COMMIT may or may not have happened: the caller's
				// retry finds out by its idempotency keys.
				ferr = translate(db, err)
				return driver.ErrBadConn
			}
			return nil
		}
		if s.begun {
			if _, err := ex.ExecContext(context.WithoutCancel(ctx), "ROLLBACK", nil); err != nil {
				return driver.ErrBadConn
			}
		}
		return nil
	})
	if ferr != nil {
		return ferr
	}
	return rerr
}

// Exec sends stmts in one round trip (the first call also begins the
// transaction) and returns what each did. On an error the server runs
// none of the statements after the failing one.
func (s *Script) Exec(stmts ...Stmt) ([]StmtResult, error) {
	if len(stmts) == 0 {
		return nil, nil
	}
	var sb strings.Builder
	var args []driver.NamedValue
	skip := 0
	if !s.begun {
		sb.WriteString("START TRANSACTION;\n")
		skip = 1
	}
	for i, st := range stmts {
		if i > 0 {
			sb.WriteString(";\n")
		}
		sb.WriteString(st.SQL)
		for _, a := range st.Args {
			nv := driver.NamedValue{Ordinal: len(args) + 1, Value: a}
			if err := s.check.CheckNamedValue(&nv); err != nil {
				return nil, fmt.Errorf("model: script argument %d: %w", len(args)+1, err)
			}
			args = append(args, nv)
		}
	}
	res, err := s.conn.ExecContext(s.ctx, sb.String(), args)
	s.begun = true // even a failed script may have begun it: always end it
	if err != nil {
		return nil, translate(s.db, err)
	}
	mr, ok := res.(gomysql.Result)
	if !ok {
		return nil, fmt.Errorf("model: driver result %T has no per-statement counts", res)
	}
	affected, ids := mr.AllRowsAffected(), mr.AllLastInsertIds()
	if len(affected) != len(stmts)+skip || len(ids) != len(stmts)+skip {
		return nil, fmt.Errorf("model: script of %d statements answered %d results", len(stmts)+skip, len(affected))
	}
	out := make([]StmtResult, len(stmts))
	for i := range out {
		out[i] = StmtResult{RowsAffected: affected[i+skip], InsertID: ids[i+skip]}
	}
	return out, nil
}

// InsertStmts are the multi-row INSERTs of rows (a pointer to a slice of
// models), per rows at most in each, with the rows gorm would write with
// associations left out: every column, the primary key only when the rows
// carry it (it is the first row's that says), zero CreatedAt and UpdatedAt
// set to now. Written here, not by gorm's own Create in a dry run: that
// built each value as a clause expression and cost a placement batch more
// CPU than the rest of its statements together. (Every default in the
// models written this way is its type's zero value, so writing a zero is
// what leaving the column out to its default would do;
// TestInsertStmtsAsGorm holds the two to the same rows.)
func InsertStmts(db *gorm.DB, rows any, per int) ([]Stmt, error) {
	all, ok := sliceOf(rows)
	if !ok {
		return nil, fmt.Errorf("model: InsertStmts wants a pointer to a slice, got %T", rows)
	}
	if all.Len() == 0 {
		return nil, nil
	}
	plan, err := insertPlanOf(db, all.Type().Elem())
	if err != nil {
		return nil, err
	}
	if slices.Contains(ReferenceTables, plan.table) {
		// Written here, the reference version would not move.
		return nil, fmt.Errorf("model: InsertStmts: write %s through gorm (CounterReference)", plan.table)
	}
	ctx := db.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	fields := plan.fields
	if pk := plan.pk; pk != nil {
		if _, zero := pk.ValueOf(ctx, all.Index(0)); !zero {
			fields = append([]*schema.Field{pk}, fields...)
		}
	}
	var cols strings.Builder
	for i, f := range fields {
		if i > 0 {
			cols.WriteByte(',')
		}
		cols.WriteString("`" + f.DBName + "`")
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(fields)), ",") + ")"
	now := db.NowFunc()
	var out []Stmt
	for at := 0; at < all.Len(); at += per {
		n := min(per, all.Len()-at)
		var sb strings.Builder
		sb.Grow(len(plan.table) + cols.Len() + 32 + n*(len(row)+1))
		sb.WriteString("INSERT INTO `" + plan.table + "` (" + cols.String() + ") VALUES ")
		args := make([]any, 0, n*len(fields))
		for k := 0; k < n; k++ {
			if k > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(row)
			rv := all.Index(at + k)
			for _, f := range fields {
				v, zero := f.ValueOf(ctx, rv)
				if zero && (f.AutoCreateTime > 0 || f.AutoUpdateTime > 0) {
					v = now
				}
				args = append(args, v)
			}
		}
		out = append(out, Stmt{SQL: sb.String(), Args: args})
	}
	return out, nil
}

// insertPlan is how InsertStmts writes one model: its table, its primary
// key, and every other column in gorm's order.
type insertPlan struct {
	table  string
	pk     *schema.Field
	fields []*schema.Field
}

var insertPlans sync.Map // reflect.Type → *insertPlan

func insertPlanOf(db *gorm.DB, t reflect.Type) (*insertPlan, error) {
	if p, ok := insertPlans.Load(t); ok {
		return p.(*insertPlan), nil
	}
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(reflect.New(t).Interface()); err != nil {
		return nil, err
	}
	sch := stmt.Schema
	p := &insertPlan{table: stmt.Table, pk: sch.PrioritizedPrimaryField}
	for _, name := range sch.DBNames {
		f := sch.FieldsByDBName[name]
		if f == p.pk || !f.Creatable {
			continue
		}
		p.fields = append(p.fields, f)
	}
	insertPlans.Store(t, p)
	return p, nil
}

func sliceOf(rows any) (reflect.Value, bool) {
	v := reflect.ValueOf(rows)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Slice {
		return reflect.Value{}, false
	}
	return v.Elem(), true
}

func translate(db *gorm.DB, err error) error {
	if t, ok := db.Dialector.(gorm.ErrorTranslator); ok {
		return t.Translate(err)
	}
	return err
}

// A Lookup is a query to run (a gorm chain, not yet executed) and the
// slice its rows go into.
type Lookup struct {
	Query *gorm.DB
	Into  any // pointer to a slice of models
}

// FindAll runs lookups and fills each Into. On MySQL and MariaDB they go
// as one multi-statement, one round trip on one connection; elsewhere
// (SQLite, in process: no round trips to save) each on its own, at once.
// A placement batch reads six things before it decides; at a thousand
// mini-program orders a second a batch holds a handful of orders, and six
// queries a batch — six connections, six round trips — were a fifth of
// the server's CPU.
func FindAll(ctx context.Context, db *gorm.DB, lookups ...Lookup) error {
	if !IsMySQL(db) {
		errs := make([]error, len(lookups))
		var wg sync.WaitGroup
		for i, l := range lookups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = l.Query.WithContext(ctx).Find(l.Into).Error
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	var sb strings.Builder
	var args []any
	for i, l := range lookups {
		st := l.Query.Session(&gorm.Session{DryRun: true}).Find(l.Into).Statement
		if st.Error != nil {
			return st.Error
		}
		if i > 0 {
			sb.WriteString(";\n")
		}
		sb.WriteString(st.SQL.String())
		args = append(args, st.Vars...)
	}
	rows, err := db.WithContext(ctx).Raw(sb.String(), args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for i, l := range lookups {
		if i > 0 && !rows.NextResultSet() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("model: FindAll: %d queries answered %d result sets", len(lookups), i)
		}
		if rows.Next() {
			// ScanRows scans the current row and every one after it
			// into a slice.
			if err := db.ScanRows(rows, l.Into); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return rows.Close()
}
