package service

import (
	"context"
	"regexp"
	"strings"
	"unicode"

	"orderhub/model"
)

// OCR reads the text of an image. Engines (local tesseract, WeChat's
// cv/ocr/comm) live in internal/ocr; the bot holds one, or none.
type OCR interface {
	// Name says which engine read the text, for replies and logs.
	Name() string
	Text(ctx context.Context, image []byte) (string, error)
}

var (
	slipCustomer = regexp.MustCompile(`^(客户|客戶|客户名称|购货单位|单位|customer)\s*[:：]?\s*(.+)$`)
	slipRemark   = regexp.MustCompile(`^(备注|備注|remark)\s*[:：]?\s*(.*)$`)
	slipAddress  = regexp.MustCompile(`^(地址|收货地址|送货地址)\s*[:：]?\s*(.+)$`)
	slipSkip     = regexp.MustCompile(`^(订货单|订单|送货单|日期|date|单号|No\.?|合计|总计|签字|经手人)`)
	cjkSpace     = regexp.MustCompile(`([\p{Han}])\s+([\p{Han}])`)
	gluedQty     = regexp.MustCompile(`^(.*[\p{Han}])(\d{1,6})(个|箱|盒|件|只|卷|套|包|支|条|根|米|桶|袋|把|片|副|对|台|瓶)?$`)
	// misreadUnit is a quantity followed by one or two characters that are
	// no unit: the unit's glyph read wrong (20会, 30疮, 12颌 for 20盒,
	// 30卷, 12盒). The quantity stands; the unit comes from the product.
	misreadUnit = regexp.MustCompile(`^[×xX*]?(\d{1,6})\p{Han}{1,2}$`)
	// phi is Φ (a diameter) read as a Chinese character before its digits:
	// 电锤钻头 SDS-plus 中10.
	phi = regexp.MustCompile(`(^|\s)[中巾由申币](\d)`)
)

// ReadSlip extracts an order from a slip's OCR text: the line starting
// 客户 names the customer, 备注 the remark, and every other line ending in
// a quantity (20, 20盒, ×20) is an item. unread lists the lines it could
// not read, to show the person with the draft.
func ReadSlip(text string) (q QuickEntry, unread []string) {
	for _, raw := range strings.Split(widthFold(text), "\n") {
		// Quotes never belong on a slip; engines read specks as them.
		line := strings.TrimSpace(strings.NewReplacer("“", " ", "”", " ", "\"", " ", "‘", " ", "’", " ", "'", " ", "`", " ").Replace(raw))
		// Engines put spaces between Chinese characters: 六 角 螺 母.
		for i := 0; i < 3; i++ {
			line = cjkSpace.ReplaceAllString(line, "$1$2")
		}
		line = strings.TrimFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '|' || r == '_' })
		if line == "" {
			continue
		}
		if m := slipCustomer.FindStringSubmatch(line); m != nil && q.Customer == "" {
			q.Customer = tidy(m[2])
			continue
		}
		if m := slipAddress.FindStringSubmatch(line); m != nil {
			q.Address = tidy(m[2])
			continue
		}
		if m := slipRemark.FindStringSubmatch(line); m != nil {
			q.Remark = tidy(m[2])
			continue
		}
		if slipSkip.MatchString(line) {
			continue
		}
		words := strings.Fields(line)
		if _, value, ok := cutLabel(line); ok && q.Customer == "" && !qtyWord.MatchString(words[len(words)-1]) {
			// "客户" misread ("SP: 上海宏达…"): a short label, a colon and
			// no quantity is the customer line.
			q.Customer = tidy(value)
			continue
		}
		if len(words) >= 2 {
			last := words[len(words)-1]
			m := qtyWord.FindStringSubmatch(last)
			if m == nil {
				if mu := misreadUnit.FindStringSubmatch(last); mu != nil {
					m = []string{last, mu[1], UnitUnread}
				}
			}
			if m != nil {
				n := int64(0)
				for _, d := range m[1] {
					n = n*10 + int64(d-'0')
				}
				if n > 0 {
					name := phi.ReplaceAllString(strings.Join(words[:len(words)-1], " "), "${1}Φ$2")
					q.Lines = append(q.Lines, IntakeLine{Name: name, Qty: n, Unit: m[2]})
					continue
				}
			}
		}
		// The space before the quantity lost: 生料带30卷. Split only where a
		// Chinese character meets the digits, or a unit follows them, so
		// LT224 is not read as LT22 × 4.
		if m := gluedQty.FindStringSubmatch(line); m != nil {
			n := int64(0)
			for _, d := range m[2] {
				n = n*10 + int64(d-'0')
			}
			if n > 0 {
				q.Lines = append(q.Lines, IntakeLine{Name: strings.TrimSpace(m[1]), Qty: n, Unit: m[3]})
				continue
			}
		}
		unread = append(unread, line)
	}
	return q, unread
}

// ClipOCR keeps what an engine read short enough to store with the draft.
func ClipOCR(s string) string { return trunc(s, 2000) }

// cutLabel splits "label：value" with a label of at most 4 characters.
func cutLabel(line string) (string, string, bool) {
	i := strings.IndexAny(line, ":：")
	if i <= 0 {
		return "", "", false
	}
	label, value := strings.TrimSpace(line[:i]), strings.TrimSpace(strings.TrimLeft(line[i:], ":："))
	if value == "" || len([]rune(label)) > 4 {
		return "", "", false
	}
	return label, value, true
}

// tidy drops the stray punctuation engines read at a line's end.
func tidy(s string) string { return strings.TrimRight(strings.TrimSpace(s), " :：,，.。;；|") }

// MatchSlip matches lines against a catalogue held in memory by the rules
// an intake uses (SKU, then name), without a channel's aliases: the OCR
// accuracy test judges a reading by the product it finds, not its spelling.
func MatchSlip(products []ProductInput, lines []IntakeLine) []IntakeLine {
	ps := make([]model.Product, len(products))
	for i, p := range products {
		ps[i] = model.Product{ID: uint64(i + 1), SKU: NormalizeSKU(p.SKU), Name: p.Name, Spec: p.Spec, Unit: p.Unit, PriceFen: p.PriceFen, Active: true}
	}
	ix := newProductIndex(ps)
	out := append([]IntakeLine(nil), lines...)
	for i := range out {
		_ = matchLine(nil, ix, "", &out[i]) // no channel: the database is not read
	}
	return out
}
