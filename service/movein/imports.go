package movein

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/service/kernel"
)

// Sheet is a table read one row at a time; the edge turns an .xlsx or .csv
// upload into one. The first row is the header. Next returns io.EOF after
// the last row.
type Sheet interface {
	Next() ([]string, error)
}

// Column is one column of an import: its key, its Chinese header (what the
// template prints; either is accepted), whether a row must fill it, and an
// example value for the template.
type Column struct {
	Key, Header string
	Required    bool
	Example     string
	Note        string
}

// Import kinds.
const (
	ImportWarehouses = "warehouses"
	ImportProducts   = "products"
	ImportCustomers  = "customers"
	ImportStaff      = "staff"
	ImportStock      = "stock"
)

// ImportKinds lists every kind, in the order a company moving in imports
// them (warehouses before the staff and customers that name them).
var ImportKinds = []string{ImportWarehouses, ImportStaff, ImportProducts, ImportCustomers, ImportStock}

// RowError is one thing wrong with one row of an import.
type RowError struct {
	Row     int    // spreadsheet row number: the header is row 1
	Column  string // the column's header as the template prints it
	Message string
}

// InvalidRowsError refuses a whole import: nothing was written. Rows
// lists the first MaxImportErrors problems; More counts the rest.
type InvalidRowsError struct {
	Rows []RowError
	More int
}

func (e *InvalidRowsError) Error() string {
	rows := map[int]bool{}
	for _, r := range e.Rows {
		rows[r.Row] = true
	}
	if e.More > 0 {
		return fmt.Sprintf("%d 行有错（共 %d 处，列出前 %d 处），什么都没有导入", len(rows), len(e.Rows)+e.More, len(e.Rows))
	}
	return fmt.Sprintf("%d 行有错（共 %d 处），什么都没有导入", len(rows), len(e.Rows))
}

// add lists a problem, or counts it past MaxImportErrors.
func (e *InvalidRowsError) add(r RowError) {
	if len(e.Rows) < MaxImportErrors {
		e.Rows = append(e.Rows, r)
		return
	}
	e.More++
}
func (e *InvalidRowsError) Unwrap() error { return kernel.ErrInvalid }
func (e *InvalidRowsError) Code() string  { return kernel.CodeInvalidRows }

// ImportResult counts what an import did.
type ImportResult struct {
	Kind                        string
	Rows                        int
	Created, Updated, Unchanged int
}

// Imports loads master data from spreadsheets: the whole file is checked
// first and any bad row refuses it; a good file is applied in one
// transaction, upserting by code, so importing it again changes nothing.
type Imports struct {
	db    *gorm.DB
	clock kernel.Clock
	roles []string
	// rdb holds the rows read by running imports (WithProgress); nil: none.
	rdb    redis.UniversalClient
	prefix string
	// buyers is told when an import changes customers; nil: no cache.
	buyers CustomersChanged
}

// CustomersChanged is told, after an import commits, which existing
// customers it changed: the buyer cache (service.BuyerCache) forgets
// their buyers' cached answers. A nil *service.BuyerCache does nothing.
type CustomersChanged interface {
	ForgetCustomers(ctx context.Context, db *gorm.DB, ids []uint64)
}

// NewImports returns Imports; roles are the configured staff roles.
func NewImports(db *gorm.DB, clock kernel.Clock, roles []string) *Imports {
	if db == nil || clock == nil {
		panic("service: NewImports: missing dependency")
	}
	return &Imports{db: db, clock: clock, roles: roles}
}

// WithBuyerCache makes customer imports invalidate the cached answers of
// the changed customers' buyers (the cache Buyers.WithCache was given).
func (im *Imports) WithBuyerCache(bc CustomersChanged) *Imports {
	im.buyers = bc
	return im
}

// customerChanger is an importer that changes existing customers: their
// buyers' cached answers are invalidated after the import commits.
type customerChanger interface {
	changedCustomers() []uint64
}

// Columns returns the columns of an import kind.
func (im *Imports) Columns(kind string) ([]Column, error) {
	k, err := im.kind(kind)
	if err != nil {
		return nil, err
	}
	return k.columns(), nil
}

// importer is one kind of import.
type importer interface {
	columns() []Column
	// load reads what the database holds that rows are checked against.
	load(tx *gorm.DB) error
	// check parses and checks one row, keeping it for apply; it reports
	// what is wrong through bad.
	check(row int, v rowValues, bad func(col, format string, args ...any))
	// apply writes the kept rows.
	apply(tx *gorm.DB, res *ImportResult) error
}

func (im *Imports) kind(kind string) (importer, error) {
	now := im.clock
	switch kind {
	case ImportWarehouses:
		return &warehouseImport{}, nil
	case ImportProducts:
		return &productImport{}, nil
	case ImportCustomers:
		return &customerImport{}, nil
	case ImportStaff:
		return &staffImport{roles: im.roles}, nil
	case ImportStock:
		return &stockImport{now: now}, nil
	}
	return nil, &kernel.NotFoundError{What: "import kind", Key: kind}
}

// rowValues is one row by column key; present says which columns the
// file has (a column the file lacks is left as it is).
type rowValues struct {
	vals    map[string]string
	present map[string]bool
}

func (v rowValues) get(key string) string { return strings.TrimSpace(v.vals[key]) }
func (v rowValues) has(key string) bool   { return v.present[key] }

// Import reads sheet as kind and applies it. Any bad row → an
// *InvalidRowsError listing every problem, and nothing written.
func (im *Imports) Import(ctx context.Context, kind string, sheet Sheet) (ImportResult, error) {
	return im.importSheet(ctx, kind, sheet, false)
}

// Preview reads sheet as kind as Import does and answers what Import would
// do — every row problem, or how many rows it would create, update and
// leave — and writes nothing: the board's move-in page shows it before
// the admin imports. Stock, applied in chunks, is only checked (the
// counts of what would change are not known before it is applied).
func (im *Imports) Preview(ctx context.Context, kind string, sheet Sheet) (ImportResult, error) {
	return im.importSheet(ctx, kind, sheet, true)
}

// errPreview rolls a preview's transaction back after apply counted.
var errPreview = errors.New("import preview: roll back")

func (im *Imports) importSheet(ctx context.Context, kind string, sheet Sheet, preview bool) (res ImportResult, err error) {
	res = ImportResult{Kind: kind}
	k, err := im.kind(kind)
	if err != nil {
		return res, err
	}
	var run uint64
	if !preview {
		run = im.begin(ctx, kind)
		defer func() { im.end(ctx, run, res, err) }()
	}
	cols := k.columns()
	header, err := sheet.Next()
	if errors.Is(err, io.EOF) {
		return res, &InvalidRowsError{Rows: []RowError{{Row: 1, Message: "文件是空的：第一行须为表头"}}}
	}
	var big *TooLargeError
	if errors.As(err, &big) {
		return res, big
	}
	if err != nil {
		return res, kernel.Invalid("file", kernel.CodeUnreadableFile, "无法读取文件：%v", err)
	}
	bad := &InvalidRowsError{}
	index := map[int]Column{}
	present := map[string]bool{}
	for i, h := range header {
		if len(h) > MaxImportCell {
			return res, CellTooLarge(1)
		}
		h = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "*")
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		found := false
		for _, c := range cols {
			if h == c.Header || strings.EqualFold(h, c.Key) {
				if present[c.Key] {
					bad.add(RowError{Row: 1, Column: h, Message: "这一列出现了两次"})
				}
				index[i], present[c.Key], found = c, true, true
			}
		}
		if !found {
			bad.add(RowError{Row: 1, Column: h, Message: "没有这一列；可用的列有 " + headers(cols)})
		}
	}
	for _, c := range cols {
		if c.Required && !present[c.Key] {
			bad.add(RowError{Row: 1, Column: c.Header, Message: "缺少必填列"})
		}
	}
	if len(bad.Rows) > 0 {
		return res, bad
	}
	// The file is read once, before the transaction: inTx runs its
	// function again after a deadlock or a busy database, and a second
	// pass over a sheet already read would find no rows.
	type sheetRow struct {
		n int
		v rowValues
	}
	var rows []sheetRow
	for row := 2; ; row++ {
		cells, err := sheet.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &big) {
			return res, big
		}
		if err != nil {
			return res, kernel.Invalid("file", kernel.CodeUnreadableFile, "无法读取第 %d 行：%v", row, err)
		}
		// Blank rows count too: a million of them cost a million reads.
		if row-1 > MaxImportRows {
			return res, tooManyRows()
		}
		v := rowValues{vals: map[string]string{}, present: present}
		blank := true
		for i, cell := range cells {
			if len(cell) > MaxImportCell {
				return res, CellTooLarge(row)
			}
			if c, ok := index[i]; ok {
				v.vals[c.Key] = cell
				if strings.TrimSpace(cell) != "" {
					blank = false
				}
			}
		}
		if blank {
			continue
		}
		res.Rows++
		im.report(ctx, run, res.Rows)
		rows = append(rows, sheetRow{row, v})
	}
	read := res
	// checkAll loads what rows are checked against through db and checks
	// every row: a new importer each time (its rows, what it found).
	checkAll := func(db *gorm.DB) (importer, error) {
		attempt, err := im.kind(kind)
		if err != nil {
			return nil, err
		}
		if err := attempt.load(db); err != nil {
			return nil, err
		}
		bad := &InvalidRowsError{}
		for _, r := range rows {
			attempt.check(r.n, r.v, func(col, format string, args ...any) {
				h := col
				for _, c := range cols {
					if c.Key == col {
						h = c.Header
					}
				}
				if len(bad.Rows) >= MaxImportErrors {
					bad.More++ // not formatted: only counted
					return
				}
				bad.add(RowError{Row: r.n, Column: h, Message: fmt.Sprintf(format, args...)})
			})
		}
		if len(bad.Rows) > 0 {
			return nil, bad
		}
		return attempt, nil
	}
	if _, chunked := k.(chunkedImporter); chunked {
		attempt, err := checkAll(im.db.WithContext(ctx))
		if err != nil || preview {
			return read, err
		}
		res = read
		return res, attempt.(chunkedImporter).applyChunks(ctx, im.db, &res)
	}
	err = kernel.InTx(ctx, im.db, func(tx *gorm.DB) error {
		attempt, err := checkAll(tx)
		if err != nil {
			return err
		}
		got := read
		if err := attempt.apply(tx, &got); err != nil {
			return err
		}
		k, res = attempt, got
		if preview {
			return errPreview
		}
		return nil
	})
	if preview {
		if errors.Is(err, errPreview) {
			err = nil
		}
		return res, err
	}
	if cc, ok := k.(customerChanger); ok && err == nil && im.buyers != nil {
		im.buyers.ForgetCustomers(ctx, im.db, cc.changedCustomers())
	}
	return res, err
}

func headers(cols []Column) string {
	hs := make([]string, len(cols))
	for i, c := range cols {
		hs[i] = c.Header
	}
	return strings.Join(hs, "、")
}

// text checks a cell against its column limit.
func text(v rowValues, key string, max int, required bool, bad func(col, format string, args ...any)) string {
	s := v.get(key)
	if required && s == "" {
		bad(key, "必填")
	}
	if n := utf8.RuneCountInString(s); n > max {
		bad(key, "有 %d 个字，超过上限 %d", n, max)
	}
	return s
}

// ---- warehouses ----
