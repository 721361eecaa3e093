package movein

import (
	"context"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/kernel"
)

// Exports reads what finance takes away in spreadsheets.
type Exports struct {
	db   *gorm.DB
	pipe *service.Pipeline
	loc  *time.Location
	// channels names the configured outside channels (key → name).
	channels map[string]string
}

// WithChannelNames gives the configured channels' names (key → name), so
// the export's 渠道 column shows a word, not a key.
func (e *Exports) WithChannelNames(names map[string]string) *Exports {
	e.channels = names
	return e
}

// ChannelName is the name of the channel key: a configured channel's
// name, the built-in channels' Chinese words, else the key.
func (e *Exports) ChannelName(key string) string {
	if n := e.channels[key]; n != "" {
		return n
	}
	if n := ChannelWords[key]; n != "" {
		return n
	}
	return key
}

// ChannelWords names the built-in channels as people say them.
var ChannelWords = map[string]string{
	service.ChannelMiniProgram: "小程序", service.ChannelWeCom: "企业微信", service.ChannelAPI: "后台", service.ChannelSlip: "照片单", service.ChannelDemo: "演示",
}

// NewExports returns Exports; loc is the business's time zone (days are
// its days).
func NewExports(db *gorm.DB, pipe *service.Pipeline, loc *time.Location) *Exports {
	if db == nil || pipe == nil || loc == nil {
		panic("service: NewExports: missing dependency")
	}
	return &Exports{db: db, pipe: pipe, loc: loc}
}

// FinanceOrder is one order as finance reads it: its lines, when it
// entered each stage, when it was promised and delivered.
type FinanceOrder struct {
	Order     model.Order
	Customer  model.Customer
	Warehouse string
	// Entered is when the order last entered each stage, by stage key.
	Entered     map[string]time.Time
	DeliveredAt *time.Time
	// OnTime is nil until the order is delivered with a promised time;
	// then whether it was on time by the board's rule (Punctuality: an
	// early delivery is not on time either).
	OnTime *bool
	// Punctuality is the delivery's verdict (PunctualOnTime, PunctualEarly,
	// PunctualLate), "" until it is delivered with a promised time.
	Punctuality string
}

// Stages is the pipeline, for the export's stage columns.
func (e *Exports) Stages() []string {
	var out []string
	for _, s := range e.pipe.Stages() {
		out = append(out, s.Key)
	}
	return out
}

// StageName is a stage's display name.
func (e *Exports) StageName(key string) string { return e.pipe.Name(key) }

// MaxExportDays is how many days, first and last included, one export
// may cover.
const MaxExportDays = 366

// Orders calls fn for every order created on the days from..to (inclusive,
// the business's days), oldest first, a batch at a time so that a year of
// orders is never held at once.
func (e *Exports) Orders(ctx context.Context, from, to time.Time, fn func(FinanceOrder) error) error {
	if to.Before(from) {
		return kernel.Invalid("to", kernel.CodeInvalidRange, "不能早于开始日期 from")
	}
	if to.After(from.AddDate(0, 0, MaxExportDays-1)) {
		return kernel.Invalid("to", kernel.CodeInvalidRange, "时间范围最多 %d 天（含首尾两天），请分段导出", MaxExportDays)
	}
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, e.loc).UTC()
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, e.loc).AddDate(0, 0, 1).UTC()
	db := e.db.WithContext(ctx)
	ws, err := catalog.Warehouses(db)
	if err != nil {
		return err
	}
	WarehouseCode := map[uint64]string{}
	for _, w := range ws {
		WarehouseCode[w.ID] = w.Code
	}
	last := e.pipe.Last().Key
	var after uint64
	for {
		var ords []model.Order
		if err := db.Preload("Lines").Where("created_at >= ? AND created_at < ? AND id > ?", start, end, after).
			Order("id").Limit(500).Find(&ords).Error; err != nil {
			return err
		}
		if len(ords) == 0 {
			return nil
		}
		after = ords[len(ords)-1].ID
		ids := make([]uint64, len(ords))
		custIDs := make([]uint64, len(ords))
		for i, o := range ords {
			ids[i], custIDs[i] = o.ID, o.CustomerID
		}
		var evs []model.OrderEvent
		if err := db.Select("order_id, to_stage, created_at").Where("order_id IN ? AND kind IN ?", ids, []string{"created", "stage", "cancelled"}).
			Order("id").Find(&evs).Error; err != nil {
			return err
		}
		entered := map[uint64]map[string]time.Time{}
		for _, ev := range evs {
			if entered[ev.OrderID] == nil {
				entered[ev.OrderID] = map[string]time.Time{}
			}
			entered[ev.OrderID][ev.ToStage] = ev.CreatedAt
		}
		var custs []model.Customer
		if err := db.Where("id IN ?", custIDs).Find(&custs).Error; err != nil {
			return err
		}
		byID := map[uint64]model.Customer{}
		for _, c := range custs {
			byID[c.ID] = c
		}
		for _, o := range ords {
			f := FinanceOrder{Order: o, Customer: byID[o.CustomerID], Warehouse: WarehouseCode[o.WarehouseID], Entered: entered[o.ID]}
			if f.Entered == nil {
				f.Entered = map[string]time.Time{}
			}
			if t, ok := f.Entered[last]; ok && o.Stage == last {
				f.DeliveredAt = &t
				if o.PromisedAt != nil {
					f.Punctuality = service.Punctuality(t, o.PromisedAt)
					onTime := f.Punctuality == service.PunctualOnTime
					f.OnTime = &onTime
				}
			}
			if err := fn(f); err != nil {
				return err
			}
		}
	}
}
