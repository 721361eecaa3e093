package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/catalog"
)

// MaxOrderLines bounds one order, so a runaway client cannot lock the
// whole catalogue in one transaction.
const MaxOrderLines = 200

// MaxLineQty is the most one line (all lines of one SKU together) may
// order, and MaxPriceFen the highest price (1 亿元): with MaxOrderLines
// lines no order total (at most 2×10^18 fen) can wrap around int64.
const (
	MaxLineQty  int64 = 1_000_000
	MaxPriceFen int64 = catalog.MaxPriceFen
	// MaxQty bounds a stock change or count: far above any shelf, far
	// below where on_hand + delta could overflow.
	MaxQty        = 1_000_000_000
	MaxCarrier    = 32
	MaxTrackingNo = 64
)

// Order channels.
const (
	ChannelAPI         = "api"         // staff API (orders taken by phone)
	ChannelMiniProgram = "miniprogram" // the buyers' mini-program
	ChannelWeCom       = "wecom"       // staff chat
	// ChannelDemo marks the orders `seed --demo` places, so that metrics
	// and reports never count made-up orders as phone orders.
	ChannelDemo = "demo"
)

// Orders creates, reads, advances and cancels orders.
type Orders struct {
	db     *gorm.DB
	locker Locker
	pipe   *Pipeline
	clock  Clock
	loc    *time.Location
	log    *slog.Logger
	m      *Metrics
	placer *placer
	// webhooks are the channels told of their orders' stage changes.
	webhooks map[string]bool
	// sms: a late order's customer without the mini-program is texted.
	sms bool
	// owners spreads new orders over the first stage's role (assign.go).
	owners ownerLoads
	// ref keeps placement's reference data between batches (refcache.go).
	ref refCache
	// ids hands out order ids in blocks on MySQL (orderids.go).
	ids orderIDs
	// promises proposes promised times from measured history (promise.go).
	promises *promiser
}

// NewOrders returns an Orders. loc is the zone order numbers are dated in.
func NewOrders(db *gorm.DB, locker Locker, pipe *Pipeline, clock Clock, loc *time.Location, log *slog.Logger, m *Metrics, opts ...OrderOption) *Orders {
	if db == nil || locker == nil || pipe == nil || clock == nil || loc == nil || log == nil || m == nil {
		panic("service: NewOrders: nil dependency")
	}
	o := &Orders{db: db, locker: locker, pipe: pipe, clock: clock, loc: loc, log: log, m: m, webhooks: map[string]bool{},
		promises: &promiser{cfg: pipe.promise}}
	for _, opt := range opts {
		opt(o)
	}
	o.placer = &placer{run: o.placeBatch, log: log, leaders: leadersFor(db), flood: floodAt}
	return o
}

// Pipeline returns the stage pipeline orders move through.
func (o *Orders) Pipeline() *Pipeline { return o.pipe }

// LineInput is one requested line.
type LineInput struct {
	SKU string
	Qty int64
}

// NewOrder is a request to place an order.
type NewOrder struct {
	Channel string
	// Customer is the customer's code; CustomerID wins when set.
	Customer   string
	CustomerID uint64
	Lines      []LineInput
	Address    string
	Remark     string
	PromisedAt *time.Time
	// PromiseGivenAt is when the promise was given, for an order placed
	// later than it came in (a channel's order held for review); zero is
	// now. A promise before it (less PromiseSkew) is refused.
	PromiseGivenAt time.Time
	// IdempotencyKey makes retries safe: the same key returns the order the
	// first request created and reserves nothing more.
	IdempotencyKey string
	Actor          Actor
}

// Create validates and places an order, reserving its stock all-or-nothing.
// created is false when an earlier request with the same idempotency key
// already placed it.
func (o *Orders) Create(ctx context.Context, in NewOrder) (d Detail, created bool, err error) {
	if err := checkText("address", in.Address, 255, false); err != nil {
		return d, false, err
	}
	if err := checkText("remark", in.Remark, 500, false); err != nil {
		return d, false, err
	}
	if err := checkText("idempotency_key", in.IdempotencyKey, 128, false); err != nil {
		return d, false, err
	}
	if in.PromisedAt != nil {
		// Out of what both databases store: refused even for a retry,
		// since no order could have been placed with it. A promise in
		// the past is refused only when placing (placeBatch), so a retry
		// of an order placed when its promise lay ahead still finds it.
		if err := promiseRange("promised_at", *in.PromisedAt); err != nil {
			return d, false, err
		}
	}
	if in.Channel == "" {
		in.Channel = ChannelAPI
	}
	merged, err := mergeLines(in.Lines)
	if err != nil {
		return d, false, err
	}
	if in.CustomerID == 0 && strings.TrimSpace(in.Customer) == "" {
		return d, false, invalid("customer", CodeRequired, "必填")
	}
	// The customer, the SKUs, the warehouses and the idempotency key are
	// looked up for the whole batch at once (resolveBatch).
	r := &placeReq{in: in, merged: merged}
	d, created, err = o.placer.submit(ctx, r)
	if err != nil {
		var short *ShortError
		if errors.As(err, &short) {
			o.m.OrdersRefused.Inc()
		}
		return d, false, err
	}
	if created {
		o.m.OrdersCreated.WithLabelValues(in.Channel).Inc()
		// After the order's own transaction (placement is batched): if
		// this fails the order stands at full price and the coupon stays
		// for the next one.
		if err := o.useCoupon(ctx, &d); err != nil {
			o.log.ErrorContext(ctx, "orders: use coupon", "order", d.Order.No, "err", err)
		}
	}
	return d, created, nil
}

// replay returns the order an idempotency key already created. A key
// reused for a different request is refused rather than silently ignored.
func (o *Orders) replay(ctx context.Context, scope, key string, fp fingerprint) (Detail, bool, error) {
	var k model.IdempotencyKey
	err := o.db.WithContext(ctx).Where("scope = ? AND `key` = ?", scope, key).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Detail{}, false, nil
	}
	if err != nil {
		return Detail{}, false, err
	}
	if !fp.matches(k.RequestHash) {
		return Detail{}, true, Conflict(CodeIdempotencyKeyReused, "Idempotency-Key %q 已用于另一张订单", key)
	}
	d, err := o.get(ctx, o.db.WithContext(ctx).Where("id = ?", k.OrderID), strconv.FormatUint(k.OrderID, 10))
	return d, true, err
}

// mergeLines validates lines and adds up repeated SKUs into one line.
func mergeLines(in []LineInput) ([]LineInput, error) {
	if len(in) == 0 {
		return nil, invalid("lines", CodeNoLines, "订单至少要有一行")
	}
	if len(in) > MaxOrderLines {
		return nil, invalid("lines", CodeTooManyLines, "一张订单最多 %d 行，收到 %d 行", MaxOrderLines, len(in))
	}
	var out []LineInput
	at := map[string]int{}
	for i, l := range in {
		sku := NormalizeSKU(l.SKU)
		if sku == "" {
			return nil, invalid(fmt.Sprintf("lines[%d].sku", i), "required", "必填")
		}
		if l.Qty <= 0 {
			return nil, invalid(fmt.Sprintf("lines[%d].qty", i), "invalid_qty", "须为大于 0 的整数")
		}
		if l.Qty > MaxLineQty {
			return nil, invalid(fmt.Sprintf("lines[%d].qty", i), "invalid_qty", "不能超过 %d", MaxLineQty)
		}
		if j, ok := at[sku]; ok {
			if out[j].Qty+l.Qty > MaxLineQty {
				return nil, invalid(fmt.Sprintf("lines[%d].qty", i), "invalid_qty", "同一 SKU %s 各行合计不能超过 %d", sku, MaxLineQty)
			}
			out[j].Qty += l.Qty
			continue
		}
		at[sku] = len(out)
		out = append(out, LineInput{SKU: sku, Qty: l.Qty})
	}
	return out, nil
}

// fingerprint identifies what an order request asked for, so a reused
// Idempotency-Key with a different body is refused. It is stored with the
// name of the algorithm that made it ("v2:…"), and a stored fingerprint is
// compared with the algorithm that made it: a retry sent before an
// upgrade, with the same key and body, still finds its order after.
type fingerprint struct {
	customerID uint64
	lines      []LineInput
	in         NewOrder
}

// fingerprintV2 is the prefix of fingerprints made by v2 (JSON, then
// SHA-256 in unpadded base64url: 46 characters, inside the column's 64).
const fingerprintV2 = "v2:"

// String is the fingerprint as stored: the current algorithm, named.
func (f fingerprint) String() string {
	return fingerprintV2 + base64.RawURLEncoding.EncodeToString(f.v2())
}

// matches says whether stored, a fingerprint any version wrote, is this
// request's. Unnamed ones are 64 hex digits: v1's (release b0d9163 and
// before), or v2's from the builds that stored it bare; either is
// compared.
func (f fingerprint) matches(stored string) bool {
	if rest, ok := strings.CutPrefix(stored, fingerprintV2); ok {
		return rest == base64.RawURLEncoding.EncodeToString(f.v2())
	}
	return stored == hex.EncodeToString(f.v2()) || stored == hex.EncodeToString(f.v1())
}

// v2 hashes the fields as JSON, an unambiguous encoding: joining them
// with a separator (v1) let {"address":"a|b"} and {"address":"a",
// "remark":"b|"} hash alike.
func (f fingerprint) v2() []byte {
	type line struct {
		SKU string `json:"s"`
		Qty int64  `json:"q"`
	}
	req := struct {
		V        int    `json:"v"`
		Customer uint64 `json:"c"`
		Address  string `json:"a"`
		Remark   string `json:"r"`
		Promised *int64 `json:"p"`
		Lines    []line `json:"l"`
	}{V: 2, Customer: f.customerID, Address: f.in.Address, Remark: f.in.Remark}
	if f.in.PromisedAt != nil {
		p := f.in.PromisedAt.UTC().Unix()
		req.Promised = &p
	}
	for _, l := range f.lines {
		req.Lines = append(req.Lines, line{l.SKU, l.Qty})
	}
	b, _ := json.Marshal(req) // plain strings and numbers: cannot fail
	h := sha256.Sum256(b)
	return h[:]
}

// v1 is the fingerprint release b0d9163 stored (hex): kept only to
// recognise retries of orders placed before the upgrade.
func (f fingerprint) v1() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d|%s|%s|", f.customerID, f.in.Address, f.in.Remark)
	if f.in.PromisedAt != nil {
		fmt.Fprint(h, f.in.PromisedAt.UTC().Unix())
	}
	for _, l := range f.lines {
		fmt.Fprintf(h, "|%s*%d", l.SKU, l.Qty)
	}
	return h.Sum(nil)
}

// OrderNo formats an order number: SO, the day it was placed (local
// time), and its id, e.g. SO20261124-000123.
func OrderNo(local time.Time, id uint64) string {
	return fmt.Sprintf("SO%s-%06d", local.Format("20060102"), id)
}

func channelName(c string) string {
	switch c {
	case ChannelMiniProgram:
		return "小程序"
	case ChannelWeCom:
		return "企业微信"
	case ChannelSlip:
		return "照片单"
	case ChannelDemo:
		return "演示数据"
	case ChannelAPI, "":
		return "后台"
	default:
		return "渠道 " + c + " "
	}
}

// WarehouseCode is the code of warehouse id among ws, or the id itself.
func WarehouseCode(ws []model.Warehouse, id uint64) string {
	for _, w := range ws {
		if w.ID == id {
			return w.Code
		}
	}
	return strconv.FormatUint(id, 10)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Detail is an order with everything a person looking at it needs.
type Detail struct {
	Order       model.Order
	Customer    model.Customer
	Warehouse   model.Warehouse
	Allocations []model.Allocation
	Transfers   []model.Transfer
	Events      []model.OrderEvent
	Owner       *model.Staff
	// Warehouses and SKUs by id, to name what allocations refer to.
	WarehouseCodes map[uint64]string
	SKUs           map[uint64]string
	// Assignees are the staff the transfers are assigned to, by id.
	Assignees map[uint64]model.Staff
	// Delay is the order's delay notice and coupon, nil if never late.
	Delay *Delay
	// CouponUsed is the coupon taken off this order's total, nil for none.
	CouponUsed *UsedCoupon
}

// Fields returns the stage fields given so far.
func (d Detail) Fields() map[string]string {
	f := map[string]string{}
	_ = json.Unmarshal([]byte(d.Order.Fields), &f)
	return f
}

// Get returns an order by number.
func (o *Orders) Get(ctx context.Context, no string) (_ Detail, err error) {
	defer wrapOp(&err, "Orders.Get")
	no = strings.ToUpper(strings.TrimSpace(no))
	return o.get(ctx, o.db.WithContext(ctx).Where("no = ?", no), no)
}

func (o *Orders) get(ctx context.Context, q *gorm.DB, key string) (Detail, error) {
	var d Detail
	if err := q.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Take(&d.Order).Error; err != nil {
		return d, notFound(err, "order", key)
	}
	db := o.db.WithContext(ctx)
	if err := db.Where("id = ?", d.Order.CustomerID).Take(&d.Customer).Error; err != nil {
		return d, err
	}
	if err := db.Where("order_id = ?", d.Order.ID).Order("id").Find(&d.Allocations).Error; err != nil {
		return d, err
	}
	if err := db.Where("order_id = ?", d.Order.ID).Order("id").Find(&d.Transfers).Error; err != nil {
		return d, err
	}
	if err := db.Where("order_id = ?", d.Order.ID).Order("id").Find(&d.Events).Error; err != nil {
		return d, err
	}
	if d.Order.OwnerStaffID != nil {
		var s model.Staff
		found, err := takeOptional(db.Where("id = ?", *d.Order.OwnerStaffID), &s)
		if err != nil {
			return d, fmt.Errorf("load owner of order %s: %w", d.Order.No, err)
		}
		if found {
			d.Owner = &s
		}
	}
	delay, err := loadDelay(db, d.Order.ID)
	if err != nil {
		return d, err
	}
	d.Delay = delay
	if d.CouponUsed, err = loadUsedCoupon(db, d.Order.ID); err != nil {
		return d, err
	}
	var ids []uint64
	for _, t := range d.Transfers {
		if t.AssigneeStaffID != nil {
			ids = append(ids, *t.AssigneeStaffID)
		}
	}
	if len(ids) > 0 {
		var staff []model.Staff
		if err := db.Where("id IN ?", ids).Find(&staff).Error; err != nil {
			return d, err
		}
		d.Assignees = make(map[uint64]model.Staff, len(staff))
		for _, s := range staff {
			d.Assignees[s.ID] = s
		}
	}
	return o.decorate(ctx, d)
}

// decorate fills in the names of the warehouses and SKUs d refers to.
func (o *Orders) decorate(ctx context.Context, d Detail) (Detail, error) {
	ws, err := Warehouses(o.db.WithContext(ctx))
	return decorate(d, ws), err
}

func decorate(d Detail, ws []model.Warehouse) Detail {
	d.WarehouseCodes = make(map[uint64]string, len(ws))
	for _, w := range ws {
		d.WarehouseCodes[w.ID] = w.Code
		if w.ID == d.Order.WarehouseID {
			d.Warehouse = w
		}
	}
	d.SKUs = map[uint64]string{}
	for _, l := range d.Order.Lines {
		d.SKUs[l.ProductID] = l.SKU
	}
	return d
}

// OrderFilter selects orders to list.
type OrderFilter struct {
	Stage      string
	Customer   string // code
	CustomerID uint64
	// Channel is an order channel: api, miniprogram, wecom, slip or a
	// channel key.
	Channel    string
	Page, Size int
}

// Summary is an order as lists show it: with its customer and owner.
type Summary struct {
	model.Order
	Customer model.Customer
	Owner    *model.Staff
}

// List returns orders, newest first, a page at a time.
func (o *Orders) List(ctx context.Context, f OrderFilter) (_ []Summary, _ int64, err error) {
	defer wrapOp(&err, "Orders.List")
	page, size := pageBounds(f.Page, f.Size)
	db := o.db.WithContext(ctx)
	q := db.Model(&model.Order{})
	if f.Stage != "" {
		if _, ok := o.pipe.Stage(f.Stage); !ok && f.Stage != StageCancelled {
			return nil, 0, invalid("stage", CodeUnknownStage, "没有阶段 %q；阶段有 %s", f.Stage, strings.Join(stageKeys(o.pipe), ", "))
		}
		q = q.Where("stage = ?", f.Stage)
	}
	if f.Channel != "" {
		q = q.Where("channel = ?", f.Channel)
	}
	if f.CustomerID != 0 {
		q = q.Where("customer_id = ?", f.CustomerID)
	} else if f.Customer != "" {
		var c model.Customer
		code := strings.ToUpper(strings.TrimSpace(f.Customer))
		if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
			return nil, 0, notFound(err, "customer", code)
		}
		q = q.Where("customer_id = ?", c.ID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var orders []model.Order
	err = q.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Order("id DESC").Offset((page - 1) * size).Limit(size).Find(&orders).Error
	if err != nil || len(orders) == 0 {
		return nil, total, err
	}
	// One query each for the customers and owners of the page, not one per order.
	var custIDs, staffIDs []uint64
	for _, ord := range orders {
		custIDs = append(custIDs, ord.CustomerID)
		if ord.OwnerStaffID != nil {
			staffIDs = append(staffIDs, *ord.OwnerStaffID)
		}
	}
	custs, err := CustomersByID(db, custIDs)
	if err != nil {
		return nil, 0, err
	}
	var owners []model.Staff
	if len(staffIDs) > 0 {
		if err := db.Where("id IN ?", staffIDs).Find(&owners).Error; err != nil {
			return nil, 0, err
		}
	}
	out := make([]Summary, len(orders))
	for i, ord := range orders {
		out[i].Order, out[i].Customer = ord, custs[ord.CustomerID]
		for j, st := range owners {
			if ord.OwnerStaffID != nil && st.ID == *ord.OwnerStaffID {
				out[i].Owner = &owners[j]
			}
		}
	}
	return out, total, nil
}

// CustomersByID loads the customers with ids, in one query.
func CustomersByID(db *gorm.DB, ids []uint64) (map[uint64]model.Customer, error) {
	out := make(map[uint64]model.Customer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var cs []model.Customer
	if err := db.Where("id IN ?", ids).Find(&cs).Error; err != nil {
		return nil, err
	}
	for _, c := range cs {
		out[c.ID] = c
	}
	return out, nil
}

func stageKeys(p *Pipeline) []string {
	var keys []string
	for _, s := range p.Stages() {
		keys = append(keys, s.Key)
	}
	return append(keys, StageCancelled)
}

// sortedKeys returns a map's keys in order, for stable messages.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
