package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"orderhub/model"
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
func (e *InvalidRowsError) Unwrap() error { return ErrInvalid }
func (e *InvalidRowsError) Code() string  { return CodeInvalidRows }

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
	clock Clock
	roles []string
	// rdb holds the rows read by running imports (WithProgress); nil: none.
	rdb    *redis.Client
	prefix string
	// buyers is invalidated when an import changes customers; nil: no cache.
	buyers *BuyerCache
}

// NewImports returns Imports; roles are the configured staff roles.
func NewImports(db *gorm.DB, clock Clock, roles []string) *Imports {
	if db == nil || clock == nil {
		panic("service: NewImports: missing dependency")
	}
	return &Imports{db: db, clock: clock, roles: roles}
}

// WithBuyerCache makes customer imports invalidate the cached answers of
// the changed customers' buyers (the cache Buyers.WithCache was given).
func (im *Imports) WithBuyerCache(bc *BuyerCache) *Imports {
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
	return nil, &NotFoundError{What: "import kind", Key: kind}
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
		return res, invalid("file", CodeUnreadableFile, "无法读取文件：%v", err)
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
			return res, invalid("file", CodeUnreadableFile, "无法读取第 %d 行：%v", row, err)
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
	err = inTx(ctx, im.db, func(tx *gorm.DB) error {
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
	if cc, ok := k.(customerChanger); ok && err == nil {
		im.buyers.forgetCustomers(ctx, im.db, cc.changedCustomers())
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

type warehouseRow struct {
	row int
	w   model.Warehouse
}

type warehouseImport struct {
	existing map[string]model.Warehouse
	staff    map[string]uint64
	rows     []warehouseRow
	seen     map[string]int
}

func (*warehouseImport) columns() []Column {
	return []Column{
		{Key: "code", Header: "仓库编码", Required: true, Example: "SH", Note: "最多 32 个字符"},
		{Key: "name", Header: "仓库名称", Required: true, Example: "上海嘉定仓", Note: "最多 64 个字符"},
		{Key: "region", Header: "地区", Example: "上海", Note: "最多 32 个字符"},
		{Key: "priority", Header: "优先级", Example: "30", Note: "0-9999，越大越先发货"},
		{Key: "keeper", Header: "仓管账号", Example: "wang.li", Note: "仓管的企业微信账号（须已导入员工）"},
	}
}

func (wi *warehouseImport) load(tx *gorm.DB) error {
	var ws []model.Warehouse
	if err := tx.Find(&ws).Error; err != nil {
		return err
	}
	wi.existing, wi.seen = map[string]model.Warehouse{}, map[string]int{}
	for _, w := range ws {
		wi.existing[w.Code] = w
	}
	var ss []model.Staff
	if err := tx.Where("active = ?", true).Find(&ss).Error; err != nil {
		return err
	}
	wi.staff = map[string]uint64{}
	for _, s := range ss {
		wi.staff[s.UserID] = s.ID
	}
	return nil
}

func (wi *warehouseImport) check(row int, v rowValues, bad func(col, format string, args ...any)) {
	w := model.Warehouse{
		Code:   strings.ToUpper(text(v, "code", maxWarehouseCode, true, bad)),
		Name:   text(v, "name", maxWarehouseName, true, bad),
		Region: text(v, "region", maxRegion, false, bad),
	}
	if old, ok := wi.existing[w.Code]; ok {
		w = mergeWarehouse(old, w, v)
	}
	if v.has("priority") {
		w.Priority = 0
		if s := v.get("priority"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > maxPriority {
				bad("priority", "须为 0 到 %d 的整数，不是 %q", maxPriority, s)
			}
			w.Priority = n
		}
	}
	if v.has("keeper") {
		w.KeeperStaffID = nil
		if s := v.get("keeper"); s != "" {
			id, ok := wi.staff[s]
			if !ok {
				bad("keeper", "没有在职员工的 userid 是 %q（请先导入员工）", s)
			}
			w.KeeperStaffID = &id
		}
	}
	if first, dup := wi.seen[w.Code]; dup && w.Code != "" {
		bad("code", "仓库 %s 已在第 %d 行出现", w.Code, first)
	}
	wi.seen[w.Code] = row
	wi.rows = append(wi.rows, warehouseRow{row: row, w: w})
}

// mergeWarehouse keeps what the file does not give.
func mergeWarehouse(old, w model.Warehouse, v rowValues) model.Warehouse {
	out := old
	out.Name = w.Name
	if v.has("region") {
		out.Region = w.Region
	}
	return out
}

func (wi *warehouseImport) apply(tx *gorm.DB, res *ImportResult) error {
	for _, r := range wi.rows {
		old, ok := wi.existing[r.w.Code]
		if !ok {
			if err := tx.Create(&r.w).Error; err != nil {
				return err
			}
			res.Created++
			continue
		}
		if old.Name == r.w.Name && old.Region == r.w.Region && old.Priority == r.w.Priority && eqID(old.KeeperStaffID, r.w.KeeperStaffID) {
			res.Unchanged++
			continue
		}
		if err := tx.Model(&model.Warehouse{}).Where("id = ?", old.ID).Updates(map[string]any{
			"name": r.w.Name, "region": r.w.Region, "priority": r.w.Priority, "keeper_staff_id": r.w.KeeperStaffID,
		}).Error; err != nil {
			return err
		}
		res.Updated++
	}
	return nil
}

func eqID(a, b *uint64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// ---- products ----

type productRow struct {
	p       model.Product
	aliases []Alias // nil: the file has no alias column
}

type productImport struct {
	existing   map[string]model.Product
	oldAliases map[uint64][]Alias
	aliasOwner map[Alias]string // alias → SKU holding it (database, then file)
	rows       []productRow
	seen       map[string]int
}

func (*productImport) columns() []Column {
	return []Column{
		{Key: "sku", Header: "SKU", Required: true, Example: "BOLT-M8-30", Note: "字母、数字、. _ -，最多 64 个字符"},
		{Key: "name", Header: "品名", Required: true, Example: "六角螺栓", Note: "最多 128 个字符"},
		{Key: "spec", Header: "规格", Example: "M8×30 8.8级 镀锌", Note: "最多 128 个字符"},
		{Key: "unit", Header: "单位", Example: "盒", Note: "最多 16 个字符，空则为“个”"},
		{Key: "price", Header: "单价(元)", Example: "45.00", Note: "元，最多两位小数"},
		{Key: "active", Header: "状态", Example: "在售", Note: "在售 或 停售"},
		{Key: "aliases", Header: "渠道别名", Example: "jd:JD-100012345；tmall:TM-88", Note: "渠道:别名，多个用分号隔开"},
	}
}

func (pi *productImport) load(tx *gorm.DB) error {
	var ps []model.Product
	if err := tx.Find(&ps).Error; err != nil {
		return err
	}
	pi.existing, pi.seen = map[string]model.Product{}, map[string]int{}
	bySKU := map[uint64]string{}
	for _, p := range ps {
		pi.existing[p.SKU] = p
		bySKU[p.ID] = p.SKU
	}
	var as []model.ProductAlias
	if err := tx.Order("channel, alias").Find(&as).Error; err != nil {
		return err
	}
	pi.oldAliases, pi.aliasOwner = map[uint64][]Alias{}, map[Alias]string{}
	for _, a := range as {
		k := Alias{Channel: a.Channel, Alias: a.Alias}
		pi.oldAliases[a.ProductID] = append(pi.oldAliases[a.ProductID], k)
		pi.aliasOwner[k] = bySKU[a.ProductID]
	}
	return nil
}

// parseYuan reads "45", "45.5", "¥45.50" as fen.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(s), "¥￥"))
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e12 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return w*100 + f, true
}

func (pi *productImport) check(row int, v rowValues, bad func(col, format string, args ...any)) {
	p := model.Product{SKU: NormalizeSKU(v.get("sku")), Active: true, Unit: "个"}
	if p.SKU == "" {
		bad("sku", "必填")
	} else if !skuPattern.MatchString(p.SKU) {
		bad("sku", "%q 须为 1–%d 个字母、数字、「.」「_」或「-」", p.SKU, maxSKU)
	}
	old, exists := pi.existing[p.SKU]
	if exists {
		p = old
	}
	p.Name = text(v, "name", maxProductName, true, bad)
	if v.has("spec") {
		p.Spec = text(v, "spec", maxSpec, false, bad)
	}
	if v.has("unit") {
		if p.Unit = text(v, "unit", maxUnit, false, bad); p.Unit == "" {
			p.Unit = "个"
		}
	}
	if v.has("price") {
		p.PriceFen = 0
		if s := v.get("price"); s != "" {
			fen, ok := parseYuan(s)
			if !ok {
				bad("price", "%q 不是以元为单位的价格（例如 45.50）", s)
			} else if fen > MaxPriceFen {
				bad("price", "%q 超过最高单价 1 亿元", s)
			}
			p.PriceFen = fen
		}
	}
	if v.has("active") {
		switch s := v.get("active"); s {
		case "", "在售", "启用", "是", "true", "TRUE", "1":
			p.Active = true
		case "停售", "停用", "否", "false", "FALSE", "0":
			p.Active = false
		default:
			bad("active", "%q 须为「在售」或「停售」", s)
		}
	}
	r := productRow{p: p}
	if v.has("aliases") {
		r.aliases = []Alias{}
		for _, part := range strings.FieldsFunc(v.get("aliases"), func(r rune) bool { return r == ';' || r == '；' || r == '\n' }) {
			ch, al, ok := strings.Cut(strings.ReplaceAll(strings.TrimSpace(part), "：", ":"), ":")
			a := Alias{Channel: strings.ToLower(strings.TrimSpace(ch)), Alias: strings.TrimSpace(al)}
			switch {
			case !ok || a.Channel == "" || a.Alias == "":
				bad("aliases", "%q 须写成 渠道:别名", part)
				continue
			case utf8.RuneCountInString(a.Channel) > maxChannel:
				bad("aliases", "渠道 %q 超过 %d 个字", a.Channel, maxChannel)
			case utf8.RuneCountInString(a.Alias) > maxAlias:
				bad("aliases", "别名 %q 超过 %d 个字", a.Alias, maxAlias)
			}
			if owner, taken := pi.aliasOwner[a]; taken && owner != p.SKU {
				bad("aliases", "%s:%s 已是商品 %s 的别名", a.Channel, a.Alias, owner)
			}
			pi.aliasOwner[a] = p.SKU
			if !slices.Contains(r.aliases, a) {
				r.aliases = append(r.aliases, a)
			}
		}
		slices.SortFunc(r.aliases, func(a, b Alias) int { return strings.Compare(a.Channel+"\x00"+a.Alias, b.Channel+"\x00"+b.Alias) })
	}
	if first, dup := pi.seen[p.SKU]; dup && p.SKU != "" {
		bad("sku", "SKU %s 已在第 %d 行出现", p.SKU, first)
	}
	pi.seen[p.SKU] = row
	pi.rows = append(pi.rows, r)
}

func (pi *productImport) apply(tx *gorm.DB, res *ImportResult) error {
	var fresh []model.Product
	var retired []string
	aliasesOf := map[string][]Alias{}
	for _, r := range pi.rows {
		old, ok := pi.existing[r.p.SKU]
		if !ok {
			fresh = append(fresh, r.p)
			if !r.p.Active {
				retired = append(retired, r.p.SKU)
			}
			if len(r.aliases) > 0 {
				aliasesOf[r.p.SKU] = r.aliases
			}
			continue
		}
		same := old.Name == r.p.Name && old.Spec == r.p.Spec && old.Unit == r.p.Unit && old.PriceFen == r.p.PriceFen && old.Active == r.p.Active
		sameAliases := r.aliases == nil || slices.Equal(r.aliases, pi.oldAliases[old.ID]) || (len(r.aliases) == 0 && len(pi.oldAliases[old.ID]) == 0)
		if same && sameAliases {
			res.Unchanged++
			continue
		}
		if !same {
			if err := tx.Model(&model.Product{}).Where("id = ?", old.ID).Updates(map[string]any{
				"name": r.p.Name, "spec": r.p.Spec, "unit": r.p.Unit, "price_fen": r.p.PriceFen, "active": r.p.Active,
			}).Error; err != nil {
				return err
			}
		}
		if !sameAliases {
			if err := tx.Where("product_id = ?", old.ID).Delete(&model.ProductAlias{}).Error; err != nil {
				return err
			}
			aliasesOf[r.p.SKU] = r.aliases
		}
		res.Updated++
	}
	if len(fresh) > 0 {
		if err := tx.CreateInBatches(&fresh, 500).Error; err != nil {
			return err
		}
		res.Created += len(fresh)
	}
	// A new row's false Active is a zero value gorm leaves to the column
	// default (true), so retired products are set after the insert.
	for i := 0; i < len(retired); i += 500 {
		if err := tx.Model(&model.Product{}).Where("sku IN ?", retired[i:min(i+500, len(retired))]).Update("active", false).Error; err != nil {
			return err
		}
	}
	if len(aliasesOf) == 0 {
		return nil
	}
	ids := map[string]uint64{}
	for _, p := range fresh {
		ids[p.SKU] = p.ID
	}
	for sku, p := range pi.existing {
		ids[sku] = p.ID
	}
	var rows []model.ProductAlias
	for sku, as := range aliasesOf {
		for _, a := range as {
			rows = append(rows, model.ProductAlias{Channel: a.Channel, Alias: a.Alias, ProductID: ids[sku]})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Aliases moving from one product to another in the same file: the
	// old owners' rows go first.
	for _, r := range rows {
		if err := tx.Where("channel = ? AND alias = ?", r.Channel, r.Alias).Delete(&model.ProductAlias{}).Error; err != nil {
			return err
		}
	}
	return tx.CreateInBatches(&rows, 500).Error
}

// ---- customers ----

type customerImport struct {
	existing   map[string]model.Customer
	warehouses []model.Warehouse
	rows       []model.Customer
	seen       map[string]int
	changed    []uint64 // existing customers apply updated
}

func (ci *customerImport) changedCustomers() []uint64 { return ci.changed }

func (*customerImport) columns() []Column {
	return []Column{
		{Key: "code", Header: "客户编码", Required: true, Example: "C0001", Note: "最多 32 个字符"},
		{Key: "name", Header: "客户名称", Required: true, Example: "宏达机电有限公司", Note: "最多 128 个字符"},
		{Key: "contact", Header: "联系人", Example: "刘经理", Note: "最多 64 个字符"},
		{Key: "phone", Header: "电话", Example: "13800000001", Note: "最多 32 个字符"},
		{Key: "region", Header: "地区", Example: "上海", Note: "最多 32 个字符"},
		{Key: "warehouse", Header: "就近仓库", Example: "SH", Note: "仓库编码或名称"},
		{Key: "address", Header: "收货地址", Example: "上海市嘉定区曹安公路 1 号", Note: "最多 255 个字符"},
		{Key: "tags", Header: "标签", Example: "大客户,月结", Note: "逗号隔开，合计最多 255 个字符"},
	}
}

func (ci *customerImport) load(tx *gorm.DB) error {
	var cs []model.Customer
	if err := tx.Find(&cs).Error; err != nil {
		return err
	}
	ci.existing, ci.seen = map[string]model.Customer{}, map[string]int{}
	for _, c := range cs {
		ci.existing[c.Code] = c
	}
	return tx.Find(&ci.warehouses).Error
}

func lookupWarehouse(ws []model.Warehouse, key string) (uint64, bool) {
	for _, w := range ws {
		if w.Code == strings.ToUpper(key) || w.Name == key {
			return w.ID, true
		}
	}
	return 0, false
}

func (ci *customerImport) check(row int, v rowValues, bad func(col, format string, args ...any)) {
	code := strings.ToUpper(text(v, "code", maxCustomerCode, true, bad))
	c, exists := ci.existing[code]
	if !exists {
		c = model.Customer{Code: code}
	}
	c.Name = text(v, "name", maxCustomerName, true, bad)
	for _, f := range []struct {
		key string
		dst *string
		max int
	}{{"contact", &c.Contact, maxContact}, {"phone", &c.Phone, maxPhone}, {"region", &c.Region, maxRegion}, {"address", &c.Address, maxAddress}} {
		if v.has(f.key) {
			*f.dst = text(v, f.key, f.max, false, bad)
		}
	}
	if v.has("tags") {
		c.Tags = joinTags([]string{v.get("tags")})
		if n := utf8.RuneCountInString(c.Tags); n > maxTags {
			bad("tags", "合计 %d 个字，超过上限 %d", n, maxTags)
		}
	}
	if v.has("warehouse") {
		c.WarehouseID = nil
		if s := v.get("warehouse"); s != "" {
			id, ok := lookupWarehouse(ci.warehouses, s)
			if !ok {
				bad("warehouse", "没有仓库 %q", s)
			}
			c.WarehouseID = &id
		}
	}
	if first, dup := ci.seen[code]; dup && code != "" {
		bad("code", "客户 %s 已在第 %d 行出现", code, first)
	}
	ci.seen[code] = row
	ci.rows = append(ci.rows, c)
}

func (ci *customerImport) apply(tx *gorm.DB, res *ImportResult) error {
	ci.changed = ci.changed[:0] // a retried transaction applies again
	var fresh []model.Customer
	for _, c := range ci.rows {
		old, ok := ci.existing[c.Code]
		if !ok {
			fresh = append(fresh, c)
			continue
		}
		if old.Name == c.Name && old.Contact == c.Contact && old.Phone == c.Phone && old.Region == c.Region &&
			old.Address == c.Address && old.Tags == c.Tags && eqID(old.WarehouseID, c.WarehouseID) {
			res.Unchanged++
			continue
		}
		if err := tx.Model(&model.Customer{}).Where("id = ?", old.ID).Updates(map[string]any{
			"name": c.Name, "contact": c.Contact, "phone": c.Phone, "region": c.Region,
			"address": c.Address, "tags": c.Tags, "warehouse_id": c.WarehouseID,
		}).Error; err != nil {
			return err
		}
		ci.changed = append(ci.changed, old.ID)
		res.Updated++
	}
	if len(fresh) > 0 {
		if err := tx.CreateInBatches(&fresh, 500).Error; err != nil {
			return err
		}
		res.Created += len(fresh)
	}
	return nil
}

// ---- staff ----

type staffImport struct {
	roles      []string
	existing   map[string]model.Staff
	warehouses []model.Warehouse
	rows       []model.Staff
	seen       map[string]int
}

func (*staffImport) columns() []Column {
	return []Column{
		{Key: "userid", Header: "企业微信账号", Required: true, Example: "wang.li", Note: "企业微信通讯录里的账号（userid），最多 64 个字符"},
		{Key: "name", Header: "姓名", Required: true, Example: "王丽", Note: "最多 64 个字符"},
		{Key: "roles", Header: "角色", Example: "keeper", Note: "配置的角色，多个用逗号隔开；空则只能查看"},
		{Key: "warehouse", Header: "所在仓库", Example: "SH", Note: "仓库编码或名称"},
		{Key: "phone", Header: "手机", Example: "13900000002", Note: "最多 32 个字符"},
	}
}

func (si *staffImport) load(tx *gorm.DB) error {
	var ss []model.Staff
	if err := tx.Find(&ss).Error; err != nil {
		return err
	}
	si.existing, si.seen = map[string]model.Staff{}, map[string]int{}
	for _, s := range ss {
		si.existing[s.UserID] = s
	}
	return tx.Find(&si.warehouses).Error
}

func (si *staffImport) check(row int, v rowValues, bad func(col, format string, args ...any)) {
	id := text(v, "userid", maxUserID, true, bad)
	s, exists := si.existing[id]
	if !exists {
		s = model.Staff{UserID: id, Active: true}
	}
	s.Name = text(v, "name", maxStaffName, true, bad)
	if v.has("phone") {
		s.Phone = text(v, "phone", maxPhone, false, bad)
	}
	if v.has("roles") {
		var roles []string
		for _, r := range strings.FieldsFunc(v.get("roles"), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' }) {
			if !slices.Contains(si.roles, r) {
				bad("roles", "没有角色 %q；角色有 %s", r, strings.Join(si.roles, ", "))
				continue
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		s.Roles = joinRoles(roles)
		if len(s.Roles) > 255 {
			bad("roles", "合计超过 255 个字")
		}
	}
	if v.has("warehouse") {
		s.WarehouseID = nil
		if w := v.get("warehouse"); w != "" {
			wid, ok := lookupWarehouse(si.warehouses, w)
			if !ok {
				bad("warehouse", "没有仓库 %q", w)
			}
			s.WarehouseID = &wid
		}
	}
	if first, dup := si.seen[id]; dup && id != "" {
		bad("userid", "%s 已在第 %d 行出现", id, first)
	}
	si.seen[id] = row
	si.rows = append(si.rows, s)
}

func (si *staffImport) apply(tx *gorm.DB, res *ImportResult) error {
	var fresh []model.Staff
	for _, s := range si.rows {
		old, ok := si.existing[s.UserID]
		if !ok {
			fresh = append(fresh, s)
			continue
		}
		if old.Name == s.Name && old.Phone == s.Phone && old.Roles == s.Roles && eqID(old.WarehouseID, s.WarehouseID) {
			res.Unchanged++
			continue
		}
		if err := tx.Model(&model.Staff{}).Where("id = ?", old.ID).Updates(map[string]any{
			"name": s.Name, "phone": s.Phone, "roles": s.Roles, "warehouse_id": s.WarehouseID,
		}).Error; err != nil {
			return err
		}
		res.Updated++
	}
	if len(fresh) > 0 {
		if err := tx.CreateInBatches(&fresh, 500).Error; err != nil {
			return err
		}
		res.Created += len(fresh)
	}
	return nil
}

// ---- stock ----

type stockKey struct{ warehouse, product uint64 }

type stockRowIn struct {
	row     int
	key     stockKey
	counted int64
}

type stockImport struct {
	now        Clock
	warehouses []model.Warehouse
	products   map[string]uint64
	stocks     map[stockKey]model.Stock
	rows       []stockRowIn
	seen       map[stockKey]int
}

func (*stockImport) columns() []Column {
	return []Column{
		{Key: "warehouse", Header: "仓库编码", Required: true, Example: "SH", Note: "仓库编码或名称"},
		{Key: "sku", Header: "SKU", Required: true, Example: "BOLT-M8-30"},
		{Key: "on_hand", Header: "库存数量", Required: true, Example: "120", Note: "盘点数（在库数量），整数；不能少于已锁定的数量"},
	}
}

func (st *stockImport) load(tx *gorm.DB) error {
	if err := tx.Find(&st.warehouses).Error; err != nil {
		return err
	}
	var ps []model.Product
	if err := tx.Select("id, sku").Find(&ps).Error; err != nil {
		return err
	}
	st.products = map[string]uint64{}
	for _, p := range ps {
		st.products[p.SKU] = p.ID
	}
	// Read, not locked: the rows are checked against this, and each chunk
	// locks and reads again only its own rows (applyChunks).
	var ss []model.Stock
	if err := tx.Find(&ss).Error; err != nil {
		return err
	}
	st.stocks, st.seen = map[stockKey]model.Stock{}, map[stockKey]int{}
	for _, s := range ss {
		st.stocks[stockKey{s.WarehouseID, s.ProductID}] = s
	}
	return nil
}

func (st *stockImport) check(row int, v rowValues, bad func(col, format string, args ...any)) {
	var k stockKey
	ok := true
	if w := v.get("warehouse"); w == "" {
		bad("warehouse", "必填")
		ok = false
	} else if k.warehouse, ok = lookupWarehouse(st.warehouses, w); !ok {
		bad("warehouse", "没有仓库 %q", w)
	}
	sku := NormalizeSKU(v.get("sku"))
	pid, found := st.products[sku]
	if sku == "" {
		bad("sku", "必填")
	} else if !found {
		bad("sku", "没有商品 %s（请先导入商品）", sku)
	}
	k.product = pid
	s := v.get("on_hand")
	n, err := strconv.ParseInt(strings.TrimSuffix(s, ".0"), 10, 64)
	if err != nil || n < 0 || n > 1e12 {
		bad("on_hand", "%q 须为不小于 0 的整数", s)
		return
	}
	if !ok || !found {
		return
	}
	if cur, has := st.stocks[k]; has && n < cur.Locked {
		bad("on_hand", "%d 少于订单已锁定的 %d", n, cur.Locked)
	}
	if first, dup := st.seen[k]; dup {
		bad("sku", "本仓的 %s 已在第 %d 行出现", sku, first)
	}
	st.seen[k] = row
	st.rows = append(st.rows, stockRowIn{row: row, key: k, counted: n})
}

// apply sets on hand to each row's count, in one transaction (a stock
// import runs through applyChunks; apply is for a caller holding a tx).
func (st *stockImport) apply(tx *gorm.DB, res *ImportResult) error {
	var late []stockRowIn
	if err := st.applyChunk(tx, st.rows, res, &late); err != nil {
		return err
	}
	return lateStock(late)
}
