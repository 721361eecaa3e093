package service

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Demo seeds an empty database with a small hardware wholesaler in 华东,
// so that a newcomer's first `go run ./cmd/orderhub` has something to show.
type Demo struct {
	db      *gorm.DB
	catalog *Catalog
	stock   *Stock
	orders  *Orders
	clock   Clock
}

// NewDemo returns a Demo seeder.
func NewDemo(db *gorm.DB, catalog *Catalog, stock *Stock, orders *Orders, clock Clock) *Demo {
	if db == nil || catalog == nil || stock == nil || orders == nil || clock == nil {
		panic("service: NewDemo: nil dependency")
	}
	return &Demo{db: db, catalog: catalog, stock: stock, orders: orders, clock: clock}
}

// demoProducts: SKU, name, spec, unit, price in fen.
var demoProducts = []ProductInput{
	{"BOLT-M6-20", "六角螺栓", "M6×20 8.8级 镀锌", "盒(100只)", 2800},
	{"BOLT-M8-30", "六角螺栓", "M8×30 8.8级 镀锌", "盒(100只)", 4500},
	{"BOLT-M10-40", "六角螺栓", "M10×40 8.8级 镀锌", "盒(50只)", 5200},
	{"BOLT-M12-50", "六角螺栓", "M12×50 10.9级 发黑", "盒(50只)", 8600},
	{"BOLT-M16-60", "六角螺栓", "M16×60 10.9级 发黑", "盒(25只)", 9800},
	{"SS-BOLT-M8-25", "不锈钢螺栓", "M8×25 304", "盒(100只)", 7600},
	{"SS-BOLT-M10-30", "不锈钢螺栓", "M10×30 304", "盒(50只)", 8200},
	{"NUT-M6", "六角螺母", "M6 8级 镀锌", "盒(200只)", 1800},
	{"NUT-M8", "六角螺母", "M8 8级 镀锌", "盒(200只)", 2600},
	{"NUT-M10", "六角螺母", "M10 8级 镀锌", "盒(100只)", 2400},
	{"NUT-M12-LOCK", "尼龙锁紧螺母", "M12 镀锌", "盒(100只)", 3900},
	{"WASHER-M8", "平垫圈", "M8 镀锌", "盒(500只)", 1500},
	{"WASHER-M10-SPR", "弹簧垫圈", "M10 65Mn", "盒(500只)", 2200},
	{"SCREW-ST4-16", "十字自攻螺钉", "ST4.2×16 镀锌", "盒(1000只)", 3200},
	{"SCREW-M5-12-HEX", "内六角圆柱头螺钉", "M5×12 12.9级", "盒(200只)", 3600},
	{"ANCHOR-M10", "膨胀螺栓", "M10×100 镀锌", "盒(50只)", 4800},
	{"FM-SS-40", "不锈钢过滤网", "40目 304 1m×30m", "卷", 68000},
	{"FM-SS-80", "不锈钢过滤网", "80目 304 1m×30m", "卷", 86000},
	{"FM-SS-120", "不锈钢过滤网", "120目 316L 1m×30m", "卷", 132000},
	{"FM-DISC-100", "过滤网片", "Φ100 60目 三层烧结", "片", 2600},
	{"FM-DISC-150", "过滤网片", "Φ150 60目 三层烧结", "片", 4200},
	{"FM-NYLON-200", "尼龙滤网", "200目 1.2m宽", "米", 1800},
	{"FM-BASKET-DN50", "篮式过滤器滤芯", "DN50 40目", "个", 15800},
	{"BP-FRONT-HD01", "前刹车片", "重卡 盘式 HD01", "套", 32000},
	{"BP-REAR-HD01", "后刹车片", "重卡 盘式 HD01", "套", 29000},
	{"BP-FRONT-LT22", "前刹车片", "轻卡 陶瓷 LT22", "套", 18500},
	{"BP-REAR-LT22", "后刹车片", "轻卡 陶瓷 LT22", "套", 16800},
	{"BP-SHOE-19", "刹车蹄片", "鼓式 19.5寸", "套", 24500},
	{"BP-FORK-01", "叉车刹车片", "3吨叉车通用", "套", 9800},
	{"DRILL-HSS-3", "麻花钻头", "Φ3 高速钢 HSS", "盒(10支)", 1200},
	{"DRILL-HSS-5", "麻花钻头", "Φ5 高速钢 HSS", "盒(10支)", 1800},
	{"DRILL-HSS-8", "麻花钻头", "Φ8 高速钢 HSS", "盒(10支)", 3500},
	{"DRILL-HSS-10", "麻花钻头", "Φ10 高速钢 HSS", "盒(5支)", 3200},
	{"DRILL-CO-6", "含钴钻头", "Φ6 M35 不锈钢用", "盒(10支)", 6800},
	{"DRILL-SDS-10", "电锤钻头", "SDS-plus Φ10×160", "支", 1600},
	{"DRILL-SDS-16", "电锤钻头", "SDS-plus Φ16×210", "支", 2800},
	{"DRILL-HOLE-50", "开孔器", "Φ50 双金属", "个", 4500},
	{"TAP-M8", "丝锥", "M8×1.25 机用", "支", 2200},
	{"DISC-CUT-105", "切割片", "105×1.2×16 不锈钢用", "盒(50片)", 5500},
	{"DISC-GRIND-100", "角磨片", "100×6×16", "盒(25片)", 4800},
	{"GLOVE-NITRILE", "丁腈涂层手套", "L码 耐油", "打(12双)", 3600},
	{"TAPE-PTFE", "生料带", "20m×18mm", "卷", 350},
	{"HOSE-CLAMP-32", "喉箍", "32-50mm 304", "盒(50只)", 4200},
	{"BEARING-6204", "深沟球轴承", "6204-2RS", "个", 1650},
	{"BEARING-6205", "深沟球轴承", "6205-2RS", "个", 1850},
	{"ORING-NBR-KIT", "O型圈套装", "NBR 382只装", "盒", 2900},
	{"CHAIN-08B", "滚子链条", "08B-1 5m", "根", 9500},
	{"VBELT-A1000", "三角带", "A-1000", "根", 1500},
	{"GREASE-LI3", "锂基润滑脂", "3号 15kg", "桶", 32000},
	{"SEALANT-243", "螺纹锁固剂", "243 50ml", "支", 3800},
}

// Seed fills an empty database (one with no warehouses) and reports
// whether it did anything.
func (d *Demo) Seed(ctx context.Context) (_ bool, err error) {
	defer wrapOp(&err, "Demo.Seed")
	var n int64
	if err := d.db.WithContext(ctx).Model(&model.Warehouse{}).Count(&n).Error; err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	whs := []WarehouseInput{
		{Code: "SH", Name: "上海嘉定仓", Region: "上海", Priority: 30},
		{Code: "SZ", Name: "苏州工业园仓", Region: "苏州", Priority: 20},
		{Code: "HZ", Name: "杭州萧山仓", Region: "杭州", Priority: 10},
	}
	for _, w := range whs {
		if _, err := d.catalog.CreateWarehouse(ctx, w); err != nil {
			return false, fmt.Errorf("demo warehouse %s: %w", w.Code, err)
		}
	}
	staff := []StaffInput{
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
	customers := []CustomerInput{
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
	seedActor := Actor{Kind: ActorSystem, ID: "seed", Name: "演示数据"}
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
			if _, err := d.stock.Adjust(ctx, Adjustment{Warehouse: w.Code, SKU: p.SKU, Delta: qty, Kind: model.MoveReceive, Reason: "期初库存", Actor: seedActor}); err != nil {
				return false, fmt.Errorf("demo stock %s/%s: %w", w.Code, p.SKU, err)
			}
		}
	}
	// A few orders at different stages, so the timeline and to-do lists
	// have something in them.
	promised := d.clock().Add(72 * time.Hour).Format(time.RFC3339)
	demoOrders := []struct {
		customer string
		lines    []LineInput
		moves    []Move
	}{
		{"C001", []LineInput{{"BOLT-M8-30", 20}, {"NUT-M8", 10}}, nil},
		{"C002", []LineInput{{"FM-SS-80", 2}, {"FM-DISC-100", 30}}, []Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}}},
		{"C001", []LineInput{{"BP-FRONT-HD01", 12}}, []Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}, {To: "picking"}}},
		{"C003", []LineInput{{"DRILL-HSS-5", 15}, {"DRILL-SDS-10", 40}}, []Move{{To: "confirmed", Fields: map[string]string{"promised_at": promised}}, {To: "picking"}, {To: "qc", Fields: map[string]string{"qc_inspector": "刘洋"}}}},
	}
	for _, o := range demoOrders {
		det, _, err := d.orders.Create(ctx, NewOrder{Channel: ChannelDemo, Customer: o.customer, Lines: o.lines, Actor: seedActor})
		if err != nil {
			return false, fmt.Errorf("demo order for %s: %w", o.customer, err)
		}
		for _, mv := range o.moves {
			mv.No, mv.Actor = det.Order.No, System
			if _, err := d.orders.Advance(ctx, mv); err != nil {
				return false, fmt.Errorf("demo order %s to %s: %w", det.Order.No, mv.To, err)
			}
		}
	}
	return true, nil
}
