// Package catalog is the master data: warehouses, products (with their
// channel aliases), customers and staff, and the rules of what each row
// may hold. It imports only the kernel, model and config; the rooms above
// read it.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/kernel"
)

// Catalog keeps products, warehouses, customers and staff.
type Catalog struct {
	db    *gorm.DB
	roles []string
	// buyers is told when a customer changes; nil: no cache.
	buyers CustomersChanged
}

// CustomersChanged is told, after a customer edit commits, which customer
// changed: the buyer cache (service.BuyerCache) forgets their buyers'
// cached answers. The buyers room satisfies it at wiring.
type CustomersChanged interface {
	ForgetCustomers(ctx context.Context, db *gorm.DB, ids []uint64)
}

// NewCatalog returns a Catalog; roles are the roles staff may hold.
func NewCatalog(db *gorm.DB, roles []string) *Catalog {
	if db == nil {
		panic("catalog: NewCatalog: nil db")
	}
	return &Catalog{db: db, roles: roles}
}

// WithBuyerCache makes customer edits invalidate the cached answers of
// the customer's buyers (the cache Buyers.WithCache was given).
func (c *Catalog) WithBuyerCache(bc CustomersChanged) *Catalog {
	c.buyers = bc
	return c
}

var skuPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,63}$`)

// ValidSKU says whether sku, normalized (NormalizeSKU), is one the catalog
// takes: 1–64 letters, digits, ".", "_" or "-".
func ValidSKU(sku string) bool { return skuPattern.MatchString(sku) }

// NormalizeSKU upper-cases and trims a SKU as typed, so "m8-50" finds M8-50.
func NormalizeSKU(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ProductInput creates a product.
type ProductInput struct {
	SKU, Name, Spec, Unit string
	PriceFen              int64
}

// CreateProduct adds a product; a SKU already taken is a conflict.
func (c *Catalog) CreateProduct(ctx context.Context, in ProductInput) (_ model.Product, err error) {
	defer wrapOp(&err, "Catalog.CreateProduct")
	p := model.Product{SKU: NormalizeSKU(in.SKU), Name: strings.TrimSpace(in.Name), Spec: strings.TrimSpace(in.Spec), Unit: strings.TrimSpace(in.Unit), PriceFen: in.PriceFen, Active: true}
	if !skuPattern.MatchString(p.SKU) {
		return p, invalid("sku", kernel.CodeInvalidSKU, "须为 1–64 个字母、数字、「.」「_」或「-」")
	}
	if err := checkText("name", p.Name, 128, true); err != nil {
		return p, err
	}
	if err := checkText("spec", p.Spec, 128, false); err != nil {
		return p, err
	}
	if err := checkText("unit", p.Unit, 16, false); err != nil {
		return p, err
	}
	if p.PriceFen < 0 {
		return p, invalid("price_fen", kernel.CodeInvalidPrice, "不能小于 0（单位：分）")
	}
	if p.PriceFen > MaxPriceFen {
		return p, invalid("price_fen", kernel.CodeInvalidPrice, "不能超过 %d 分（1 亿元）", MaxPriceFen)
	}
	if p.Unit == "" {
		p.Unit = "个"
	}
	err = c.db.WithContext(ctx).Create(&p).Error
	if isDuplicate(err) {
		return p, kernel.Conflict(kernel.CodeSKUExists, "商品 %s 已存在", p.SKU)
	}
	return p, err
}

// ProductStock is a product with its live availability over all warehouses.
type ProductStock struct {
	model.Product
	Available int64
}

// ListProducts finds products whose SKU, name or spec contains q, with
// what is available now, a page at a time (page from 1).
func (c *Catalog) ListProducts(ctx context.Context, q string, page, size int) (_ []ProductStock, _ int64, err error) {
	defer wrapOp(&err, "Catalog.ListProducts")
	page, size = kernel.PageBounds(page, size)
	db := c.db.WithContext(ctx).Model(&model.Product{})
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + escapeLike(q) + "%"
		db = db.Where("sku LIKE ? OR name LIKE ? OR spec LIKE ?", strings.ToUpper(like), like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []ProductStock
	err = db.Select("products.*, COALESCE((SELECT SUM(s.on_hand - s.locked) FROM stocks s WHERE s.product_id = products.id), 0) AS available").
		Order("products.sku").Offset((page - 1) * size).Limit(size).Scan(&out).Error
	return out, total, err
}

// Product returns the product with sku.
func (c *Catalog) Product(ctx context.Context, sku string) (_ model.Product, err error) {
	defer wrapOp(&err, "Catalog.Product")
	var p model.Product
	sku = NormalizeSKU(sku)
	err = c.db.WithContext(ctx).Where("sku = ?", sku).First(&p).Error
	return p, notFound(err, "product", sku)
}

// Warehouses lists warehouses, highest priority first.
func (c *Catalog) Warehouses(ctx context.Context) (_ []model.Warehouse, err error) {
	defer wrapOp(&err, "Catalog.Warehouses")
	return Warehouses(c.db.WithContext(ctx))
}

// Warehouses lists the warehouses in db, highest priority first (the
// catalog's order, ByPriority); for the rooms that name them on a page.
func Warehouses(db *gorm.DB) ([]model.Warehouse, error) {
	var ws []model.Warehouse
	err := ByPriority(db).Find(&ws).Error
	return ws, err
}

// ByPriority orders warehouses as stock is taken from them when no other
// rule applies: highest priority first.
func ByPriority(db *gorm.DB) *gorm.DB { return db.Order("priority DESC, id") }

// WarehouseInput creates a warehouse. Keeper is a staff userid (optional).
type WarehouseInput struct {
	Code, Name, Region, Keeper string
	Priority                   int
}

// CreateWarehouse adds a warehouse.
func (c *Catalog) CreateWarehouse(ctx context.Context, in WarehouseInput) (_ model.Warehouse, err error) {
	defer wrapOp(&err, "Catalog.CreateWarehouse")
	w := model.Warehouse{Code: strings.ToUpper(strings.TrimSpace(in.Code)), Name: strings.TrimSpace(in.Name), Region: strings.TrimSpace(in.Region), Priority: in.Priority}
	if err := checkWarehouse(w); err != nil {
		return w, err
	}
	db := c.db.WithContext(ctx)
	id, err := keeperID(db, in.Keeper)
	if err != nil {
		return w, err
	}
	w.KeeperStaffID = id
	err = db.Create(&w).Error
	if isDuplicate(err) {
		return w, kernel.Conflict(kernel.CodeWarehouseExists, "仓库 %s 已存在", w.Code)
	}
	return w, err
}

// Warehouse finds a warehouse by code or by name, as staff type either.
func (c *Catalog) Warehouse(ctx context.Context, codeOrName string) (_ model.Warehouse, err error) {
	defer wrapOp(&err, "Catalog.Warehouse")
	return FindWarehouse(c.db.WithContext(ctx), codeOrName)
}

// FindWarehouse finds a warehouse in db by code or by name.
func FindWarehouse(db *gorm.DB, codeOrName string) (model.Warehouse, error) {
	var w model.Warehouse
	key := strings.TrimSpace(codeOrName)
	err := db.Where("code = ? OR name = ?", strings.ToUpper(key), key).First(&w).Error
	return w, notFound(err, "warehouse", key)
}

// CustomerInput creates a customer company.
type CustomerInput struct {
	Code, Name, Contact, Phone, Region string
	// Warehouse is the code of the customer's nearest warehouse (optional).
	Warehouse string
	// Address is the delivery address on file, used by an order that
	// gives none (optional).
	Address string
}

// CreateCustomer adds a customer.
func (c *Catalog) CreateCustomer(ctx context.Context, in CustomerInput) (_ model.Customer, err error) {
	defer wrapOp(&err, "Catalog.CreateCustomer")
	cu := model.Customer{Code: strings.ToUpper(strings.TrimSpace(in.Code)), Name: strings.TrimSpace(in.Name), Contact: strings.TrimSpace(in.Contact), Phone: strings.TrimSpace(in.Phone), Region: strings.TrimSpace(in.Region), Address: strings.TrimSpace(in.Address)}
	if err := checkCustomer(cu); err != nil {
		return cu, err
	}
	if in.Warehouse != "" {
		w, err := c.Warehouse(ctx, in.Warehouse)
		if err != nil {
			return cu, invalid("warehouse", kernel.CodeUnknownWarehouse, "没有仓库 %q", in.Warehouse)
		}
		cu.WarehouseID = &w.ID
	}
	err = c.db.WithContext(ctx).Create(&cu).Error
	if isDuplicate(err) {
		return cu, kernel.Conflict(kernel.CodeCustomerExists, "客户 %s 已存在", cu.Code)
	}
	return cu, err
}

// Customer returns the customer with code.
func (c *Catalog) Customer(ctx context.Context, code string) (_ model.Customer, err error) {
	defer wrapOp(&err, "Catalog.Customer")
	var cu model.Customer
	code = strings.ToUpper(strings.TrimSpace(code))
	err = c.db.WithContext(ctx).Where("code = ?", code).First(&cu).Error
	return cu, notFound(err, "customer", code)
}

// StaffInput registers a WeCom user as staff.
type StaffInput struct {
	UserID, Name, Phone string
	Roles               []string
	// Warehouse is the code of the warehouse they work in (optional).
	Warehouse string
}

// CreateStaff registers staff; a userid already registered is a conflict.
func (c *Catalog) CreateStaff(ctx context.Context, in StaffInput) (_ model.Staff, err error) {
	defer wrapOp(&err, "Catalog.CreateStaff")
	s := model.Staff{UserID: strings.TrimSpace(in.UserID), Name: strings.TrimSpace(in.Name), Phone: strings.TrimSpace(in.Phone), Active: true}
	if err := CheckStaff(s); err != nil {
		return s, err
	}
	if len(in.Roles) == 0 {
		return s, invalid("roles", kernel.CodeRequired, "至少给一个角色：%s", strings.Join(c.roles, ", "))
	}
	for _, r := range in.Roles {
		if !slices.Contains(c.roles, r) {
			return s, invalid("roles", kernel.CodeUnknownRole, "没有角色 %q；角色有 %s", r, strings.Join(c.roles, ", "))
		}
	}
	s.Roles = kernel.JoinRoles(kernel.Dedupe(in.Roles))
	if len(s.Roles) > MaxRoles {
		return s, invalid("roles", kernel.CodeTooLong, "合计超过 %d 个字", MaxRoles)
	}
	if in.Warehouse != "" {
		w, err := c.Warehouse(ctx, in.Warehouse)
		if err != nil {
			return s, invalid("warehouse", kernel.CodeUnknownWarehouse, "没有仓库 %q", in.Warehouse)
		}
		s.WarehouseID = &w.ID
	}
	err = c.db.WithContext(ctx).Create(&s).Error
	if isDuplicate(err) {
		return s, kernel.Conflict(kernel.CodeStaffExists, "员工 %s 已登记", s.UserID)
	}
	return s, err
}

// Staff returns the active staff member with a WeCom userid.
func (c *Catalog) Staff(ctx context.Context, userID string) (_ model.Staff, err error) {
	defer wrapOp(&err, "Catalog.Staff")
	var s model.Staff
	err = c.db.WithContext(ctx).Where("user_id = ? AND active = ?", userID, true).First(&s).Error
	return s, notFound(err, "staff", userID)
}

// FindStaff returns the staff member someone means by who: their WeCom
// userid, else their name; leavers (inactive) included, since what is
// asked about them (a practice sandbox) may outlive their account. A
// name two people share is refused with both userids
// (AmbiguousStaffError), never guessed.
func (c *Catalog) FindStaff(ctx context.Context, who string) (_ model.Staff, err error) {
	defer wrapOp(&err, "Catalog.FindStaff")
	who = strings.TrimSpace(who)
	db := c.db.WithContext(ctx)
	var s model.Staff
	err = db.Where("user_id = ?", who).Take(&s).Error
	if err == nil || !errors.Is(err, gorm.ErrRecordNotFound) {
		return s, err
	}
	var named []model.Staff
	if err := db.Where("name = ?", who).Order("active DESC, id").Find(&named).Error; err != nil {
		return s, err
	}
	switch len(named) {
	case 0:
		return s, &kernel.NotFoundError{What: "staff", Key: who}
	case 1:
		return named[0], nil
	}
	ids := make([]string, len(named))
	for i, n := range named {
		ids[i] = n.UserID
	}
	return s, &AmbiguousStaffError{Name: who, UserIDs: ids}
}

// StaffActor returns the kernel.Actor for a WeCom userid.
func (c *Catalog) StaffActor(ctx context.Context, userID string) (_ kernel.Actor, err error) {
	defer wrapOp(&err, "Catalog.StaffActor")
	s, err := c.Staff(ctx, userID)
	if err != nil {
		return kernel.Actor{}, err
	}
	return StaffAsActor(s), nil
}

// StaffAsActor turns a staff row into an kernel.Actor.
func StaffAsActor(s model.Staff) kernel.Actor {
	return kernel.Actor{Kind: kernel.ActorStaff, ID: s.UserID, Name: s.Name, Roles: kernel.SplitRoles(s.Roles), StaffID: s.ID}
}

// CheckStaff refuses a staff row whose userid, name or phone does not fit.
func CheckStaff(st model.Staff) error {
	if err := checkText("userid", st.UserID, MaxUserID, true); err != nil {
		return err
	}
	if err := checkText("name", st.Name, MaxStaffName, true); err != nil {
		return err
	}
	return checkText("phone", st.Phone, MaxPhone, false)
}

// AmbiguousStaffError: more than one staff member answers to a name;
// UserIDs are theirs, to pick one by.
type AmbiguousStaffError struct {
	Name    string
	UserIDs []string
}

func (e *AmbiguousStaffError) Error() string {
	return fmt.Sprintf("有 %d 位员工都叫 %q（%s）", len(e.UserIDs), e.Name, strings.Join(e.UserIDs, "、"))
}
func (e *AmbiguousStaffError) Unwrap() error { return kernel.ErrConflict }
func (e *AmbiguousStaffError) Code() string  { return kernel.CodeStaffAmbiguous }

// The kernel's helpers under short names.

func invalid(field, code, format string, args ...any) *kernel.InvalidError {
	return kernel.Invalid(field, code, format, args...)
}
func wrapOp(err *error, op string)               { kernel.WrapOp(err, op) }
func isDuplicate(err error) bool                 { return kernel.IsDuplicate(err) }
func notFound(err error, what, key string) error { return kernel.NotFound(err, what, key) }
func escapeLike(s string) string                 { return kernel.EscapeLike(s) }
func checkText(field, v string, max int, required bool) error {
	return kernel.CheckText(field, v, max, required)
}
