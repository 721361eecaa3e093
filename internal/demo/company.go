package demo

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
)

// Company seeds an empty database with a small hardware wholesaler in 华东,
// so that a newcomer's first `go run ./cmd/orderhub` has something to show.
// It goes through the services, as staff would; History then adds its past.
type Company struct {
	db      *gorm.DB
	catalog *catalog.Catalog
	stock   *service.Stock
	orders  *service.Orders
	clock   service.Clock
}

// NewCompany returns the demo company's seeder.
func NewCompany(db *gorm.DB, cat *catalog.Catalog, stock *service.Stock, orders *service.Orders, clock service.Clock) *Company {
	if db == nil || cat == nil || stock == nil || orders == nil || clock == nil {
		panic("demo: NewCompany: nil dependency")
	}
	return &Company{db: db, catalog: cat, stock: stock, orders: orders, clock: clock}
}

// Products returns the demo catalogue (a copy): the OCR accuracy test
// matches slips against it.
func Products() []catalog.ProductInput { return append([]catalog.ProductInput(nil), demoProducts...) }

// demoProducts: SKU, name, spec, unit, price in fen.
var demoProducts = []catalog.ProductInput{
	{SKU: "BOLT-M6-20", Name: "六角螺栓", Spec: "M6×20 8.8级 镀锌", Unit: "盒(100只)", PriceFen: 2800},
	{SKU: "BOLT-M8-30", Name: "六角螺栓", Spec: "M8×30 8.8级 镀锌", Unit: "盒(100只)", PriceFen: 4500},
	{SKU: "BOLT-M10-40", Name: "六角螺栓", Spec: "M10×40 8.8级 镀锌", Unit: "盒(50只)", PriceFen: 5200},
	{SKU: "BOLT-M12-50", Name: "六角螺栓", Spec: "M12×50 10.9级 发黑", Unit: "盒(50只)", PriceFen: 8600},
	{SKU: "BOLT-M16-60", Name: "六角螺栓", Spec: "M16×60 10.9级 发黑", Unit: "盒(25只)", PriceFen: 9800},
	{SKU: "SS-BOLT-M8-25", Name: "不锈钢螺栓", Spec: "M8×25 304", Unit: "盒(100只)", PriceFen: 7600},
	{SKU: "SS-BOLT-M10-30", Name: "不锈钢螺栓", Spec: "M10×30 304", Unit: "盒(50只)", PriceFen: 8200},
	{SKU: "NUT-M6", Name: "六角螺母", Spec: "M6 8级 镀锌", Unit: "盒(200只)", PriceFen: 1800},
	{SKU: "NUT-M8", Name: "六角螺母", Spec: "M8 8级 镀锌", Unit: "盒(200只)", PriceFen: 2600},
	{SKU: "NUT-M10", Name: "六角螺母", Spec: "M10 8级 镀锌", Unit: "盒(100只)", PriceFen: 2400},
	{SKU: "NUT-M12-LOCK", Name: "尼龙锁紧螺母", Spec: "M12 镀锌", Unit: "盒(100只)", PriceFen: 3900},
	{SKU: "WASHER-M8", Name: "平垫圈", Spec: "M8 镀锌", Unit: "盒(500只)", PriceFen: 1500},
	{SKU: "WASHER-M10-SPR", Name: "弹簧垫圈", Spec: "M10 65Mn", Unit: "盒(500只)", PriceFen: 2200},
	{SKU: "SCREW-ST4-16", Name: "十字自攻螺钉", Spec: "ST4.2×16 镀锌", Unit: "盒(1000只)", PriceFen: 3200},
	{SKU: "SCREW-M5-12-HEX", Name: "内六角圆柱头螺钉", Spec: "M5×12 12.9级", Unit: "盒(200只)", PriceFen: 3600},
	{SKU: "ANCHOR-M10", Name: "膨胀螺栓", Spec: "M10×100 镀锌", Unit: "盒(50只)", PriceFen: 4800},
	{SKU: "FM-SS-40", Name: "不锈钢过滤网", Spec: "40目 304 1m×30m", Unit: "卷", PriceFen: 68000},
	{SKU: "FM-SS-80", Name: "不锈钢过滤网", Spec: "80目 304 1m×30m", Unit: "卷", PriceFen: 86000},
	{SKU: "FM-SS-120", Name: "不锈钢过滤网", Spec: "120目 316L 1m×30m", Unit: "卷", PriceFen: 132000},
	{SKU: "FM-DISC-100", Name: "过滤网片", Spec: "Φ100 60目 三层烧结", Unit: "片", PriceFen: 2600},
	{SKU: "FM-DISC-150", Name: "过滤网片", Spec: "Φ150 60目 三层烧结", Unit: "片", PriceFen: 4200},
	{SKU: "FM-NYLON-200", Name: "尼龙滤网", Spec: "200目 1.2m宽", Unit: "米", PriceFen: 1800},
	{SKU: "FM-BASKET-DN50", Name: "篮式过滤器滤芯", Spec: "DN50 40目", Unit: "个", PriceFen: 15800},
	{SKU: "BP-FRONT-HD01", Name: "前刹车片", Spec: "重卡 盘式 HD01", Unit: "套", PriceFen: 32000},
	{SKU: "BP-REAR-HD01", Name: "后刹车片", Spec: "重卡 盘式 HD01", Unit: "套", PriceFen: 29000},
	{SKU: "BP-FRONT-LT22", Name: "前刹车片", Spec: "轻卡 陶瓷 LT22", Unit: "套", PriceFen: 18500},
	{SKU: "BP-REAR-LT22", Name: "后刹车片", Spec: "轻卡 陶瓷 LT22", Unit: "套", PriceFen: 16800},
	{SKU: "BP-SHOE-19", Name: "刹车蹄片", Spec: "鼓式 19.5寸", Unit: "套", PriceFen: 24500},
	{SKU: "BP-FORK-01", Name: "叉车刹车片", Spec: "3吨叉车通用", Unit: "套", PriceFen: 9800},
	{SKU: "DRILL-HSS-3", Name: "麻花钻头", Spec: "Φ3 高速钢 HSS", Unit: "盒(10支)", PriceFen: 1200},
	{SKU: "DRILL-HSS-5", Name: "麻花钻头", Spec: "Φ5 高速钢 HSS", Unit: "盒(10支)", PriceFen: 1800},
	{SKU: "DRILL-HSS-8", Name: "麻花钻头", Spec: "Φ8 高速钢 HSS", Unit: "盒(10支)", PriceFen: 3500},
	{SKU: "DRILL-HSS-10", Name: "麻花钻头", Spec: "Φ10 高速钢 HSS", Unit: "盒(5支)", PriceFen: 3200},
	{SKU: "DRILL-CO-6", Name: "含钴钻头", Spec: "Φ6 M35 不锈钢用", Unit: "盒(10支)", PriceFen: 6800},
	{SKU: "DRILL-SDS-10", Name: "电锤钻头", Spec: "SDS-plus Φ10×160", Unit: "支", PriceFen: 1600},
	{SKU: "DRILL-SDS-16", Name: "电锤钻头", Spec: "SDS-plus Φ16×210", Unit: "支", PriceFen: 2800},
	{SKU: "DRILL-HOLE-50", Name: "开孔器", Spec: "Φ50 双金属", Unit: "个", PriceFen: 4500},
	{SKU: "TAP-M8", Name: "丝锥", Spec: "M8×1.25 机用", Unit: "支", PriceFen: 2200},
	{SKU: "DISC-CUT-105", Name: "切割片", Spec: "105×1.2×16 不锈钢用", Unit: "盒(50片)", PriceFen: 5500},
	{SKU: "DISC-GRIND-100", Name: "角磨片", Spec: "100×6×16", Unit: "盒(25片)", PriceFen: 4800},
	{SKU: "GLOVE-NITRILE", Name: "丁腈涂层手套", Spec: "L码 耐油", Unit: "打(12双)", PriceFen: 3600},
	{SKU: "TAPE-PTFE", Name: "生料带", Spec: "20m×18mm", Unit: "卷", PriceFen: 350},
	{SKU: "HOSE-CLAMP-32", Name: "喉箍", Spec: "32-50mm 304", Unit: "盒(50只)", PriceFen: 4200},
	{SKU: "BEARING-6204", Name: "深沟球轴承", Spec: "6204-2RS", Unit: "个", PriceFen: 1650},
	{SKU: "BEARING-6205", Name: "深沟球轴承", Spec: "6205-2RS", Unit: "个", PriceFen: 1850},
	{SKU: "ORING-NBR-KIT", Name: "O型圈套装", Spec: "NBR 382只装", Unit: "盒", PriceFen: 2900},
	{SKU: "CHAIN-08B", Name: "滚子链条", Spec: "08B-1 5m", Unit: "根", PriceFen: 9500},
	{SKU: "VBELT-A1000", Name: "三角带", Spec: "A-1000", Unit: "根", PriceFen: 1500},
	{SKU: "GREASE-LI3", Name: "锂基润滑脂", Spec: "3号 15kg", Unit: "桶", PriceFen: 32000},
	{SKU: "SEALANT-243", Name: "螺纹锁固剂", Spec: "243 50ml", Unit: "支", PriceFen: 3800},
}

// Seed fills an empty database (one with no warehouses) and reports
// whether it did anything.
func (d *Company) Seed(ctx context.Context) (bool, error) {
	var n int64
	if err := d.db.WithContext(ctx).Model(&model.Warehouse{}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("demo: count warehouses: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	whs := []catalog.WarehouseInput{
		{Code: "SH", Name: "上海嘉定仓", Region: "上海", Priority: 30},
		{Code: "SZ", Name: "苏州工业园仓", Region: "苏州", Priority: 20},
		{Code: "HZ", Name: "杭州萧山仓", Region: "杭州", Priority: 10},
	}
	for _, w := range whs {
		if _, err := d.catalog.CreateWarehouse(ctx, w); err != nil {
			return false, fmt.Errorf("demo warehouse %s: %w", w.Code, err)
		}
	}
	staff := []catalog.StaffInput{
		{UserID: "wangjg", Name: "王建国", Roles: []string{"keeper"}, Warehouse: "SH", Phone: "13800000001"},
		{UserID: "lixy", Name: "李秀英", Roles: []string{"keeper"}, Warehouse: "SZ", Phone: "13800000002"},
		{UserID: "zhaolei", Name: "赵磊", Roles: []string{"keeper"}, Warehouse: "HZ", Phone: "13800000003"},
		{UserID: "chenjie", Name: "陈杰", Roles: []string{"picker"}, Warehouse: "SH", Phone: "13800000004"},
		{UserID: "liuyang", Name: "刘洋", Roles: []string{"qc"}, Warehouse: "SH", Phone: "13800000005"},
		{UserID: "zhoumin", Name: "周敏", Roles: []string{"dispatcher"}, Warehouse: "SH", Phone: "13800000006"},
		{UserID: "sunli", Name: "孙丽", Roles: []string{"customer_service"}, Phone: "13800000007"},
		{UserID: "qianqiang", Name: "钱强", Roles: []string{"keeper_lead", "picker_lead", "dispatcher_lead"}, Warehouse: "SH", Phone: "13800000008"},
		{UserID: "wuhua", Name: "吴华", Roles: []string{"qc_lead", "cs_lead"}, Phone: "13800000009"},
		{UserID: "zhenggang", Name: "郑刚", Roles: []string{"supervisor"}, Phone: "13800000010"},
		{UserID: "fengjun", Name: "冯军", Roles: []string{"production_director", "director"}, Phone: "13800000011"},
	}
	for _, s := range staff {
		if _, err := d.catalog.CreateStaff(ctx, s); err != nil {
			return false, fmt.Errorf("demo staff %s: %w", s.UserID, err)
		}
	}
	customers := []catalog.CustomerInput{
		{Code: "C001", Name: "上海宏达机电设备有限公司", Contact: "张伟", Phone: "13900000001", Region: "上海", Warehouse: "SH", Address: "上海市嘉定区安亭镇墨玉路 28 号"},
		{Code: "C002", Name: "苏州精工五金制品厂", Contact: "黄磊", Phone: "13900000002", Region: "苏州", Warehouse: "SZ", Address: "苏州工业园区星湖街 328 号"},
		{Code: "C003", Name: "杭州顺通汽配商行", Contact: "林芳", Phone: "13900000003", Region: "杭州", Warehouse: "HZ", Address: "杭州市萧山区建设一路 66 号"},
		{Code: "C004", Name: "南京恒通设备安装工程公司", Contact: "徐明", Phone: "13900000004", Region: "南京", Address: "南京市江宁区天元东路 1009 号"},
	}
	for _, c := range customers {
		if _, err := d.catalog.CreateCustomer(ctx, c); err != nil {
			return false, fmt.Errorf("demo customer %s: %w", c.Code, err)
		}
	}
	seedActor := service.Actor{Kind: service.ActorSystem, ID: "seed", Name: "演示数据"}
	for i, p := range demoProducts {
		if _, err := d.catalog.CreateProduct(ctx, p); err != nil {
			return false, fmt.Errorf("demo product %s: %w", p.SKU, err)
		}
		// Spread stock unevenly so that some orders need transfers.
		for j, w := range whs {
			qty := int64((i*37+j*53)%120 + 10)
			if j == 0 && i%5 == 0 {
				qty = 8 // thin in the main warehouse: orders will pull from the others
			}
			if _, err := d.stock.Adjust(ctx, service.Adjustment{Warehouse: w.Code, SKU: p.SKU, Delta: qty, Kind: model.MoveReceive, Reason: "期初库存", Actor: seedActor}); err != nil {
				return false, fmt.Errorf("demo stock %s/%s: %w", w.Code, p.SKU, err)
			}
		}
	}
	// A few orders at different stages, so the timeline and to-do lists
	// have something in them.
	promised := d.clock().Add(72 * time.Hour).Format(time.RFC3339)
	demoOrders := []struct {
		customer string
		lines    []service.LineInput
		moves    []service.Move
	}{
		{"C001", []service.LineInput{{SKU: "BOLT-M8-30", Qty: 20}, {SKU: "NUT-M8", Qty: 10}}, nil},
		{"C002", []service.LineInput{{SKU: "FM-SS-80", Qty: 2}, {SKU: "FM-DISC-100", Qty: 30}}, []service.Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}}},
		{"C001", []service.LineInput{{SKU: "BP-FRONT-HD01", Qty: 12}}, []service.Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}, {To: "picking"}}},
		{"C003", []service.LineInput{{SKU: "DRILL-HSS-5", Qty: 15}, {SKU: "DRILL-SDS-10", Qty: 40}}, []service.Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}, {To: "picking"}, {To: "qc", Fields: map[string]string{"qc_inspector": "刘洋"}}}},
	}
	for _, o := range demoOrders {
		det, _, err := d.orders.Create(ctx, service.NewOrder{Channel: service.ChannelDemo, Customer: o.customer, Lines: o.lines, Actor: seedActor})
		if err != nil {
			return false, fmt.Errorf("demo order for %s: %w", o.customer, err)
		}
		for _, mv := range o.moves {
			mv.No, mv.Actor = det.Order.No, service.System
			if _, err := d.orders.Advance(ctx, mv); err != nil {
				return false, fmt.Errorf("demo order %s to %s: %w", det.Order.No, mv.To, err)
			}
		}
	}
	return true, nil
}
