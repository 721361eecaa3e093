package movein

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

// The imports of the catalog's tables: warehouses, products, customers.

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
		Code:   strings.ToUpper(text(v, "code", catalog.MaxWarehouseCode, true, bad)),
		Name:   text(v, "name", catalog.MaxWarehouseName, true, bad),
		Region: text(v, "region", catalog.MaxRegion, false, bad),
	}
	if old, ok := wi.existing[w.Code]; ok {
		w = mergeWarehouse(old, w, v)
	}
	if v.has("priority") {
		w.Priority = 0
		if s := v.get("priority"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > catalog.MaxPriority {
				bad("priority", "须为 0 到 %d 的整数，不是 %q", catalog.MaxPriority, s)
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
	aliases []catalog.Alias // nil: the file has no alias column
}

type productImport struct {
	existing   map[string]model.Product
	oldAliases map[uint64][]catalog.Alias
	aliasOwner map[catalog.Alias]string // alias → SKU holding it (database, then file)
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
	pi.oldAliases, pi.aliasOwner = map[uint64][]catalog.Alias{}, map[catalog.Alias]string{}
	for _, a := range as {
		k := catalog.Alias{Channel: a.Channel, Alias: a.Alias}
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
	p := model.Product{SKU: catalog.NormalizeSKU(v.get("sku")), Active: true, Unit: "个"}
	if p.SKU == "" {
		bad("sku", "必填")
	} else if !catalog.ValidSKU(p.SKU) {
		bad("sku", "%q 须为 1–%d 个字母、数字、「.」「_」或「-」", p.SKU, catalog.MaxSKU)
	}
	old, exists := pi.existing[p.SKU]
	if exists {
		p = old
	}
	p.Name = text(v, "name", catalog.MaxProductName, true, bad)
	if v.has("spec") {
		p.Spec = text(v, "spec", catalog.MaxSpec, false, bad)
	}
	if v.has("unit") {
		if p.Unit = text(v, "unit", catalog.MaxUnit, false, bad); p.Unit == "" {
			p.Unit = "个"
		}
	}
	if v.has("price") {
		p.PriceFen = 0
		if s := v.get("price"); s != "" {
			fen, ok := parseYuan(s)
			if !ok {
				bad("price", "%q 不是以元为单位的价格（例如 45.50）", s)
			} else if fen > service.MaxPriceFen {
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
		r.aliases = []catalog.Alias{}
		for _, part := range strings.FieldsFunc(v.get("aliases"), func(r rune) bool { return r == ';' || r == '；' || r == '\n' }) {
			ch, al, ok := strings.Cut(strings.ReplaceAll(strings.TrimSpace(part), "：", ":"), ":")
			a := catalog.Alias{Channel: strings.ToLower(strings.TrimSpace(ch)), Alias: strings.TrimSpace(al)}
			switch {
			case !ok || a.Channel == "" || a.Alias == "":
				bad("aliases", "%q 须写成 渠道:别名", part)
				continue
			case utf8.RuneCountInString(a.Channel) > catalog.MaxChannel:
				bad("aliases", "渠道 %q 超过 %d 个字", a.Channel, catalog.MaxChannel)
			case utf8.RuneCountInString(a.Alias) > catalog.MaxAlias:
				bad("aliases", "别名 %q 超过 %d 个字", a.Alias, catalog.MaxAlias)
			}
			if owner, taken := pi.aliasOwner[a]; taken && owner != p.SKU {
				bad("aliases", "%s:%s 已是商品 %s 的别名", a.Channel, a.Alias, owner)
			}
			pi.aliasOwner[a] = p.SKU
			if !slices.Contains(r.aliases, a) {
				r.aliases = append(r.aliases, a)
			}
		}
		slices.SortFunc(r.aliases, func(a, b catalog.Alias) int {
			return strings.Compare(a.Channel+"\x00"+a.Alias, b.Channel+"\x00"+b.Alias)
		})
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
	aliasesOf := map[string][]catalog.Alias{}
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
	code := strings.ToUpper(text(v, "code", catalog.MaxCustomerCode, true, bad))
	c, exists := ci.existing[code]
	if !exists {
		c = model.Customer{Code: code}
	}
	c.Name = text(v, "name", catalog.MaxCustomerName, true, bad)
	for _, f := range []struct {
		key string
		dst *string
		max int
	}{{"contact", &c.Contact, catalog.MaxContact}, {"phone", &c.Phone, catalog.MaxPhone}, {"region", &c.Region, catalog.MaxRegion}, {"address", &c.Address, catalog.MaxAddress}} {
		if v.has(f.key) {
			*f.dst = text(v, f.key, f.max, false, bad)
		}
	}
	if v.has("tags") {
		c.Tags = catalog.JoinTags([]string{v.get("tags")})
		if n := utf8.RuneCountInString(c.Tags); n > catalog.MaxTags {
			bad("tags", "合计 %d 个字，超过上限 %d", n, catalog.MaxTags)
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
