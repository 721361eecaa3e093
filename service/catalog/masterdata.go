package catalog

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/kernel"
)

// Column limits of the master data, named once so the API, the imports and
// their error messages agree with the schema (model/models.go).
const (
	MaxWarehouseCode = 32
	MaxWarehouseName = 64
	MaxRegion        = 32
	MaxSKU           = 64
	MaxProductName   = 128
	MaxSpec          = 128
	MaxUnit          = 16
	MaxCustomerCode  = 32
	MaxCustomerName  = 128
	MaxContact       = 64
	MaxPhone         = 32
	MaxAddress       = 255
	MaxTags          = 255
	MaxUserID        = 64
	MaxStaffName     = 64
	MaxRoles         = 255
	MaxAlias         = 128
	// MaxPriceFen is the highest price (1 亿元): with the order room's
	// line limits no order total can wrap around int64.
	MaxPriceFen int64 = 10_000_000_000
	MaxChannel        = 32
	MaxPriority       = 9999
)

// WarehouseView is a warehouse with its keeper's userid.
type WarehouseView struct {
	model.Warehouse
	Keeper string
}

// WarehouseViews lists warehouses, highest priority first, with keepers.
func (c *Catalog) WarehouseViews(ctx context.Context) ([]WarehouseView, error) {
	db := c.db.WithContext(ctx)
	ws, err := Warehouses(db)
	if err != nil {
		return nil, err
	}
	out := make([]WarehouseView, len(ws))
	for i, w := range ws {
		out[i] = WarehouseView{Warehouse: w}
		if w.KeeperStaffID != nil {
			var s model.Staff
			if err := db.Where("id = ?", *w.KeeperStaffID).Take(&s).Error; err == nil {
				out[i].Keeper = s.UserID
			}
		}
	}
	return out, nil
}

// WarehousePatch changes a warehouse; nil fields stay as they are. Keeper
// is a staff userid ("" clears it).
type WarehousePatch struct {
	Name, Region, Keeper *string
	Priority             *int
}

func checkWarehouse(w model.Warehouse) error {
	if err := checkText("code", w.Code, MaxWarehouseCode, true); err != nil {
		return err
	}
	if err := checkText("name", w.Name, MaxWarehouseName, true); err != nil {
		return err
	}
	if err := checkText("region", w.Region, MaxRegion, false); err != nil {
		return err
	}
	if w.Priority < 0 || w.Priority > MaxPriority {
		return invalid("priority", kernel.CodeOutOfRange, "须为 0 到 %d", MaxPriority)
	}
	return nil
}

// keeperID resolves a keeper's userid to an active staff id ("" → nil).
func keeperID(db *gorm.DB, userID string) (*uint64, error) {
	userID = strings.TrimSpace(userID)
	if userID == "" {
		return nil, nil
	}
	var s model.Staff
	if err := db.Where("user_id = ? AND active = ?", userID, true).Take(&s).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return nil, invalid("keeper", kernel.CodeUnknownStaff, "没有在职员工的 userid 是 %q", userID)
		}
		return nil, err
	}
	return &s.ID, nil
}

// UpdateWarehouse changes the warehouse with code.
func (c *Catalog) UpdateWarehouse(ctx context.Context, code string, p WarehousePatch) (WarehouseView, error) {
	var out WarehouseView
	err := kernel.InTx(ctx, c.db, func(tx *gorm.DB) error {
		var w model.Warehouse
		key := strings.ToUpper(strings.TrimSpace(code))
		if err := kernel.ForUpdate(tx).Where("code = ?", key).Take(&w).Error; err != nil {
			return notFound(err, "warehouse", key)
		}
		if p.Name != nil {
			w.Name = strings.TrimSpace(*p.Name)
		}
		if p.Region != nil {
			w.Region = strings.TrimSpace(*p.Region)
		}
		if p.Priority != nil {
			w.Priority = *p.Priority
		}
		if err := checkWarehouse(w); err != nil {
			return err
		}
		if p.Keeper != nil {
			id, err := keeperID(tx, *p.Keeper)
			if err != nil {
				return err
			}
			w.KeeperStaffID = id
			out.Keeper = strings.TrimSpace(*p.Keeper)
		}
		if err := tx.Model(&model.Warehouse{}).Where("id = ?", w.ID).Updates(map[string]any{
			"name": w.Name, "region": w.Region, "priority": w.Priority, "keeper_staff_id": w.KeeperStaffID,
		}).Error; err != nil {
			return err
		}
		out.Warehouse = w
		if p.Keeper == nil && w.KeeperStaffID != nil {
			var s model.Staff
			if err := tx.Where("id = ?", *w.KeeperStaffID).Take(&s).Error; err == nil {
				out.Keeper = s.UserID
			}
		}
		return nil
	})
	return out, err
}

// ProductView is a product with its aliases.
type ProductView struct {
	model.Product
	Aliases []Alias
}

// Alias is another name a channel uses for a product.
type Alias struct {
	Channel, Alias string
}

// ProductPatch changes a product; nil fields stay as they are. Aliases,
// when not nil, replace every alias of the product.
type ProductPatch struct {
	Name, Spec, Unit *string
	PriceFen         *int64
	Active           *bool
	Aliases          *[]Alias
}

func checkProduct(p model.Product) error {
	if !skuPattern.MatchString(p.SKU) {
		return invalid("sku", kernel.CodeInvalidSKU, "须为 1–%d 个字母、数字、「.」「_」或「-」", MaxSKU)
	}
	if err := checkText("name", p.Name, MaxProductName, true); err != nil {
		return err
	}
	if err := checkText("spec", p.Spec, MaxSpec, false); err != nil {
		return err
	}
	if err := checkText("unit", p.Unit, MaxUnit, false); err != nil {
		return err
	}
	if p.PriceFen < 0 {
		return invalid("price_fen", kernel.CodeInvalidPrice, "不能小于 0（单位：分）")
	}
	if p.PriceFen > MaxPriceFen {
		return invalid("price_fen", kernel.CodeInvalidPrice, "不能超过 %d 分（1 亿元）", MaxPriceFen)
	}
	return nil
}

// normAliases trims, validates and deduplicates aliases.
func normAliases(in []Alias) ([]Alias, error) {
	var out []Alias
	for i, a := range in {
		a = Alias{Channel: strings.ToLower(strings.TrimSpace(a.Channel)), Alias: strings.TrimSpace(a.Alias)}
		if err := checkText("aliases["+strconv.Itoa(i)+"].channel", a.Channel, MaxChannel, true); err != nil {
			return nil, err
		}
		if err := checkText("aliases["+strconv.Itoa(i)+"].alias", a.Alias, MaxAlias, true); err != nil {
			return nil, err
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ProductView returns the product with sku and its aliases.
func (c *Catalog) ProductView(ctx context.Context, sku string) (ProductView, error) {
	p, err := c.Product(ctx, sku)
	if err != nil {
		return ProductView{}, err
	}
	as, err := aliasesOf(c.db.WithContext(ctx), p.ID)
	return ProductView{Product: p, Aliases: as}, err
}

func aliasesOf(db *gorm.DB, productID uint64) ([]Alias, error) {
	var rows []model.ProductAlias
	if err := db.Where("product_id = ?", productID).Order("channel, alias").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Alias, len(rows))
	for i, r := range rows {
		out[i] = Alias{Channel: r.Channel, Alias: r.Alias}
	}
	return out, nil
}

// setAliases replaces a product's aliases; an alias another product holds
// on the same channel is a conflict naming that product.
func setAliases(tx *gorm.DB, p model.Product, as []Alias) error {
	for _, a := range as {
		var other model.ProductAlias
		err := tx.Where("channel = ? AND alias = ? AND product_id <> ?", a.Channel, a.Alias, p.ID).Take(&other).Error
		if err == nil {
			var op model.Product
			tx.Where("id = ?", other.ProductID).Take(&op)
			return kernel.Conflict(kernel.CodeAliasTaken, "渠道 %[2]s 的别名 %[1]q 已是商品 %[3]s 的别名", a.Alias, a.Channel, op.SKU)
		}
		if err != gorm.ErrRecordNotFound {
			return err
		}
	}
	if err := tx.Where("product_id = ?", p.ID).Delete(&model.ProductAlias{}).Error; err != nil {
		return err
	}
	for _, a := range as {
		if err := tx.Create(&model.ProductAlias{Channel: a.Channel, Alias: a.Alias, ProductID: p.ID}).Error; err != nil {
			if isDuplicate(err) {
				return kernel.Conflict(kernel.CodeAliasTaken, "渠道 %[2]s 的别名 %[1]q 已被占用", a.Alias, a.Channel)
			}
			return err
		}
	}
	return nil
}

// ProductByAlias finds the active product a channel's alias names.
func (c *Catalog) ProductByAlias(ctx context.Context, channel, alias string) (model.Product, error) {
	var p model.Product
	err := c.db.WithContext(ctx).Joins("JOIN product_aliases pa ON pa.product_id = products.id").
		Where("pa.channel = ? AND pa.alias = ? AND products.active = ?", strings.ToLower(strings.TrimSpace(channel)), strings.TrimSpace(alias), true).
		Take(&p).Error
	return p, notFound(err, "product alias", channel+":"+alias)
}

// UpdateProduct changes the product with sku. Deactivating keeps it for
// history and open orders; new orders for it are refused.
func (c *Catalog) UpdateProduct(ctx context.Context, sku string, pt ProductPatch) (ProductView, error) {
	var out ProductView
	var aliases []Alias
	if pt.Aliases != nil {
		var err error
		if aliases, err = normAliases(*pt.Aliases); err != nil {
			return out, err
		}
	}
	err := kernel.InTx(ctx, c.db, func(tx *gorm.DB) error {
		var p model.Product
		key := NormalizeSKU(sku)
		if err := kernel.ForUpdate(tx).Where("sku = ?", key).Take(&p).Error; err != nil {
			return notFound(err, "product", key)
		}
		if pt.Name != nil {
			p.Name = strings.TrimSpace(*pt.Name)
		}
		if pt.Spec != nil {
			p.Spec = strings.TrimSpace(*pt.Spec)
		}
		if pt.Unit != nil {
			p.Unit = strings.TrimSpace(*pt.Unit)
		}
		if pt.PriceFen != nil {
			p.PriceFen = *pt.PriceFen
		}
		if pt.Active != nil {
			p.Active = *pt.Active
		}
		if err := checkProduct(p); err != nil {
			return err
		}
		if err := tx.Model(&model.Product{}).Where("id = ?", p.ID).Updates(map[string]any{
			"name": p.Name, "spec": p.Spec, "unit": p.Unit, "price_fen": p.PriceFen, "active": p.Active,
		}).Error; err != nil {
			return err
		}
		if pt.Aliases != nil {
			if err := setAliases(tx, p, aliases); err != nil {
				return err
			}
		}
		as, err := aliasesOf(tx, p.ID)
		out = ProductView{Product: p, Aliases: as}
		return err
	})
	return out, err
}

// CustomerView is a customer with its nearest warehouse's code and tags.
type CustomerView struct {
	model.Customer
	Warehouse string
	TagList   []string
}

// CustomerPatch changes a customer; nil fields stay as they are.
type CustomerPatch struct {
	Name, Contact, Phone, Region, Address *string
	// Warehouse is the nearest warehouse's code or name ("" clears it).
	Warehouse *string
	Tags      *[]string
}

func checkCustomer(cu model.Customer) error {
	for _, f := range []struct {
		name, v  string
		max      int
		required bool
	}{
		{"code", cu.Code, MaxCustomerCode, true},
		{"name", cu.Name, MaxCustomerName, true},
		{"contact", cu.Contact, MaxContact, false},
		{"phone", cu.Phone, MaxPhone, false},
		{"region", cu.Region, MaxRegion, false},
		{"address", cu.Address, MaxAddress, false},
		{"tags", cu.Tags, MaxTags, false},
	} {
		if err := checkText(f.name, f.v, f.max, f.required); err != nil {
			return err
		}
	}
	return nil
}

// JoinTags stores tags as "a,b" (trimmed, no empties, no duplicates).
func JoinTags(tags []string) string {
	var out []string
	for _, t := range tags {
		for _, p := range strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == '，' || r == ';' || r == '；' }) {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return strings.Join(out, ",")
}

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func (c *Catalog) customerViews(db *gorm.DB, cs []model.Customer) ([]CustomerView, error) {
	ws, err := Warehouses(db)
	if err != nil {
		return nil, err
	}
	out := make([]CustomerView, len(cs))
	for i, cu := range cs {
		out[i] = CustomerView{Customer: cu, TagList: splitTags(cu.Tags)}
		for _, w := range ws {
			if cu.WarehouseID != nil && w.ID == *cu.WarehouseID {
				out[i].Warehouse = w.Code
			}
		}
	}
	return out, nil
}

// CustomerFilter narrows the customer list.
type CustomerFilter struct {
	// Q matches code, name, contact or phone.
	Q         string
	Region    string
	Tag       string
	Page      int
	Size      int
	Warehouse string
}

// ListCustomers finds customers, by code, a page at a time.
func (c *Catalog) ListCustomers(ctx context.Context, f CustomerFilter) ([]CustomerView, int64, error) {
	page, size := kernel.PageBounds(f.Page, f.Size)
	db := c.db.WithContext(ctx)
	q := db.Model(&model.Customer{})
	if s := strings.TrimSpace(f.Q); s != "" {
		like := "%" + escapeLike(s) + "%"
		q = q.Where("code LIKE ? OR name LIKE ? OR contact LIKE ? OR phone LIKE ?", strings.ToUpper(like), like, like, like)
	}
	if s := strings.TrimSpace(f.Region); s != "" {
		q = q.Where("region = ?", s)
	}
	if s := strings.TrimSpace(f.Tag); s != "" {
		wrapped := "(',' || tags || ',')"
		if model.IsMySQL(db) {
			wrapped = "CONCAT(',', tags, ',')"
		}
		q = q.Where(wrapped+" LIKE ?", "%,"+escapeLike(s)+",%")
	}
	if s := strings.TrimSpace(f.Warehouse); s != "" {
		w, err := FindWarehouse(db, s)
		if err != nil {
			return nil, 0, invalid("warehouse", kernel.CodeUnknownWarehouse, "没有仓库 %q", s)
		}
		q = q.Where("warehouse_id = ?", w.ID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var cs []model.Customer
	if err := q.Order("code").Offset((page - 1) * size).Limit(size).Find(&cs).Error; err != nil {
		return nil, 0, err
	}
	out, err := c.customerViews(db, cs)
	return out, total, err
}

// CustomerView returns the customer with code.
func (c *Catalog) CustomerView(ctx context.Context, code string) (CustomerView, error) {
	cu, err := c.Customer(ctx, code)
	if err != nil {
		return CustomerView{}, err
	}
	vs, err := c.customerViews(c.db.WithContext(ctx), []model.Customer{cu})
	if err != nil {
		return CustomerView{}, err
	}
	return vs[0], nil
}

// UpdateCustomer changes the customer with code.
func (c *Catalog) UpdateCustomer(ctx context.Context, code string, p CustomerPatch) (CustomerView, error) {
	var cu model.Customer
	err := kernel.InTx(ctx, c.db, func(tx *gorm.DB) error {
		key := strings.ToUpper(strings.TrimSpace(code))
		if err := kernel.ForUpdate(tx).Where("code = ?", key).Take(&cu).Error; err != nil {
			return notFound(err, "customer", key)
		}
		for _, f := range []struct {
			p   *string
			dst *string
		}{{p.Name, &cu.Name}, {p.Contact, &cu.Contact}, {p.Phone, &cu.Phone}, {p.Region, &cu.Region}, {p.Address, &cu.Address}} {
			if f.p != nil {
				*f.dst = strings.TrimSpace(*f.p)
			}
		}
		if p.Tags != nil {
			cu.Tags = JoinTags(*p.Tags)
		}
		if err := checkCustomer(cu); err != nil {
			return err
		}
		if p.Warehouse != nil {
			cu.WarehouseID = nil
			if s := strings.TrimSpace(*p.Warehouse); s != "" {
				w, err := FindWarehouse(tx, s)
				if err != nil {
					return invalid("warehouse", kernel.CodeUnknownWarehouse, "没有仓库 %q", s)
				}
				cu.WarehouseID = &w.ID
			}
		}
		return tx.Model(&model.Customer{}).Where("id = ?", cu.ID).Updates(map[string]any{
			"name": cu.Name, "contact": cu.Contact, "phone": cu.Phone, "region": cu.Region,
			"address": cu.Address, "tags": cu.Tags, "warehouse_id": cu.WarehouseID,
		}).Error
	})
	if err != nil {
		return CustomerView{}, err
	}
	if c.buyers != nil {
		c.buyers.ForgetCustomers(ctx, c.db, []uint64{cu.ID}) // after the commit: see BuyerCache
	}
	vs, err := c.customerViews(c.db.WithContext(ctx), []model.Customer{cu})
	if err != nil {
		return CustomerView{}, err
	}
	return vs[0], nil
}
