package insight

import (
	"context"
	"slices"
	"strings"

	"orderhub/model"
)

// RemarkThemeRule is a kind of requirement a manager acts on, known by
// the words that ask for it.
type RemarkThemeRule struct {
	Name  string
	Words []string
}

// DefaultRemarkThemes group what buyers write into what a manager can act
// on: how goods are packed, when and how they are delivered, the papers
// that go with them, how they are marked, urgency, and checking.
var DefaultRemarkThemes = []RemarkThemeRule{
	{"包装", []string{"包装", "防潮", "膜", "木托", "托盘", "胶带", "外箱", "纸箱", "封口", "打包", "缠绕", "防锈", "环保", "加固"}},
	{"送货时间与方式", []string{"送货", "上午", "下午", "晚上", "白天", "周末", "工作日", "节假日", "雨天", "电话", "预约", "卸货", "叉车", "搬运", "后门", "分批", "先发"}},
	{"单据", []string{"发票", "专票", "报告", "合格证", "随货", "单据", "送货单", "回单", "开票"}},
	{"标识", []string{"标签", "贴标", "唛头", "标识", "批号"}},
	{"加急", []string{"加急", "急用", "优先", "停工", "待料", "尽快"}},
	{"核对规格", []string{"核对", "规格", "型号", "材质", "不锈钢"}},
}

// RemarkTheme is one theme over a window: how many customers asked for
// it, as a share of the customers who ordered, and the terms in it.
type RemarkTheme struct {
	Name      string
	Customers int     // customers with an order whose remark asks for it
	Share     float64 // of the customers who ordered in the window
	Orders    int     // orders whose remark asks for it
	Terms     []string
}

// RemarkThemes answers, for the orders of the last days days, each theme
// with the customers who asked for it (「32% 的客户要求环保包装」) and the
// remark terms it holds — terms is what Remarks answered for the same
// days, so the remarks are cut once — the themes most asked for first;
// themes nobody asked for are left out.
func (in *Insight) RemarkThemes(ctx context.Context, days int, terms []RemarkTerm) ([]RemarkTheme, error) {
	days, err := checkDays(days)
	if err != nil {
		return nil, err
	}
	defer in.use(ctx)()
	var rows []struct {
		CustomerID uint64
		Remark     string
	}
	if err := in.db.WithContext(ctx).Model(&model.Order{}).Select("customer_id, remark").
		Where("created_at >= ?", in.clock().AddDate(0, 0, -days)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	ordered := map[uint64]bool{}
	asked := make([]map[uint64]bool, len(in.themes))
	out := make([]RemarkTheme, len(in.themes))
	for i, th := range in.themes {
		asked[i] = map[uint64]bool{}
		out[i].Name = th.Name
	}
	for _, r := range rows {
		ordered[r.CustomerID] = true
		if r.Remark == "" {
			continue
		}
		for i, th := range in.themes {
			if th.holds(r.Remark) {
				asked[i][r.CustomerID] = true
				out[i].Orders++
			}
		}
	}
	var keep []RemarkTheme
	for i, th := range in.themes {
		if out[i].Orders == 0 {
			continue
		}
		out[i].Customers = len(asked[i])
		out[i].Share = float64(out[i].Customers) / float64(len(ordered))
		for _, t := range terms { // most frequent first, as Remarks sorts them
			if t.Count > 0 && th.holds(t.Term) {
				out[i].Terms = append(out[i].Terms, t.Term)
			}
		}
		keep = append(keep, out[i])
	}
	slices.SortStableFunc(keep, func(a, b RemarkTheme) int { return b.Customers - a.Customers })
	return keep, nil
}

func (r RemarkThemeRule) holds(text string) bool {
	for _, w := range r.Words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
