package movein

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/kernel"
)

// stockChunk is how many stock rows one transaction of a stock import
// writes. The whole file locked for the whole import froze every order
// placement while it ran (3.75 s for 21,000 rows); a chunk holds its
// rows for milliseconds.
const stockChunk = 500

// chunkedImporter is an importer whose checked rows are written in short
// transactions of a bounded size rather than one: every row was checked
// before the first chunk, and applying a chunk again changes nothing, so
// importing the same file after a failure part-way finishes the job.
type chunkedImporter interface {
	importer
	applyChunks(ctx context.Context, db *gorm.DB, res *ImportResult) error
}

// applyChunks sets on hand to each row's count, stockChunk rows per
// transaction. A count is a value, not a difference: a row applied
// already is unchanged the second time, and its ledger movement is the
// difference from what the chunk reads under its lock.
func (st *stockImport) applyChunks(ctx context.Context, db *gorm.DB, res *ImportResult) error {
	var late []stockRowIn
	for i := 0; i < len(st.rows); i += stockChunk {
		chunk := st.rows[i:min(i+stockChunk, len(st.rows))]
		var got ImportResult
		var chunkLate []stockRowIn
		err := kernel.InTx(ctx, db, func(tx *gorm.DB) error {
			got, chunkLate = ImportResult{}, nil
			return st.applyChunk(tx, chunk, &got, &chunkLate)
		})
		if err != nil {
			// The chunks before stay applied: the same file again
			// applies the rest.
			return err
		}
		res.Created += got.Created
		res.Updated += got.Updated
		res.Unchanged += got.Unchanged
		late = append(late, chunkLate...)
	}
	return lateStock(late)
}

// applyChunk locks and reads the stock rows of chunk, then writes each
// count with a conditional UPDATE and a count movement. A row whose
// count is now below what orders locked since the file was checked is
// left as it is and returned in late.
func (st *stockImport) applyChunk(tx *gorm.DB, chunk []stockRowIn, res *ImportResult, late *[]stockRowIn) error {
	byWH := map[uint64][]uint64{}
	for _, r := range chunk {
		byWH[r.key.warehouse] = append(byWH[r.key.warehouse], r.key.product)
	}
	whs := make([]uint64, 0, len(byWH))
	for w := range byWH {
		whs = append(whs, w)
	}
	slices.Sort(whs) // one lock order for every import
	cur := map[stockKey]model.Stock{}
	for _, w := range whs {
		pids := byWH[w]
		for i := 0; i < len(pids); i += 500 {
			var ss []model.Stock
			if err := kernel.ForUpdate(tx).Where("warehouse_id = ? AND product_id IN ?", w, pids[i:min(i+500, len(pids))]).Order("product_id").Find(&ss).Error; err != nil {
				return err
			}
			for _, s := range ss {
				cur[stockKey{s.WarehouseID, s.ProductID}] = s
			}
		}
	}
	now := st.now()
	var moves []model.StockMovement
	move := func(k stockKey, delta int64) {
		moves = append(moves, model.StockMovement{WarehouseID: k.warehouse, ProductID: k.product, Kind: model.MoveCount,
			DeltaOnHand: delta, Actor: "导入", Reason: "导入库存", CreatedAt: now})
	}
	for _, r := range chunk {
		c, has := cur[r.key]
		switch {
		case !has:
			s := model.Stock{WarehouseID: r.key.warehouse, ProductID: r.key.product, OnHand: r.counted, UpdatedAt: now}
			if err := tx.Create(&s).Error; err != nil {
				return err
			}
			res.Created++
			if r.counted != 0 {
				move(r.key, r.counted)
			}
		case c.OnHand == r.counted:
			res.Unchanged++
		case c.Locked > r.counted:
			*late = append(*late, r)
		default:
			q := model.Row(tx, &model.Stock{}).Where("id = ? AND on_hand = ? AND locked <= ?", c.ID, c.OnHand, r.counted).
				Updates(map[string]any{"on_hand": r.counted, "updated_at": now})
			if q.Error != nil {
				return q.Error
			}
			if q.RowsAffected != 1 {
				return service.Conflict(kernel.CodeStockChanged, "导入期间库存有变动，请重新导入")
			}
			move(r.key, r.counted-c.OnHand)
			res.Updated++
		}
	}
	if len(moves) > 0 {
		return tx.CreateInBatches(&moves, 500).Error
	}
	return nil
}

// lateStock refuses the rows whose counts orders overtook between the
// check and their chunk; the other rows are applied.
func lateStock(late []stockRowIn) error {
	if len(late) == 0 {
		return nil
	}
	ns := make([]string, 0, min(len(late), 20))
	for _, r := range late[:min(len(late), 20)] {
		ns = append(ns, strconv.Itoa(r.row))
	}
	more := ""
	if len(late) > 20 {
		more = fmt.Sprintf(" 等 %d 行", len(late))
	}
	return service.Conflict(kernel.CodeStockChanged, "第 %s 行%s未导入：检查之后订单又锁定了更多库存，盘点数少于已锁定的数量；其余行已导入。改好这几行再导一次（已导入的行不会重复记账）",
		strings.Join(ns, "、"), more)
}

type stockKey struct{ warehouse, product uint64 }

type stockRowIn struct {
	row     int
	key     stockKey
	counted int64
}

type stockImport struct {
	now        kernel.Clock
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
	sku := catalog.NormalizeSKU(v.get("sku"))
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
