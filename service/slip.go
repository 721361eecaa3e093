package service

import (
	"context"
	"regexp"
	"strings"
	"unicode"
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
	slipSkip     = regexp.MustCompile(`^(订货单|订单|送货单|日期|date|单号|No\.?|合计|总计|签字|经手人)`)
	cjkSpace     = regexp.MustCompile(`([\p{Han}])\s+([\p{Han}])`)
)

// ReadSlip extracts an order from a slip's OCR text: the line starting
// 客户 names the customer, 备注 the remark, and every other line ending in
// a quantity (20, 20盒, ×20) is an item. unread lists the lines it could
// not read, to show the person with the draft.
func ReadSlip(text string) (q QuickEntry, unread []string) {
	for _, raw := range strings.Split(widthFold(text), "\n") {
		line := strings.TrimSpace(raw)
		// Engines put spaces between Chinese characters: 六 角 螺 母.
		for i := 0; i < 3; i++ {
			line = cjkSpace.ReplaceAllString(line, "$1$2")
		}
		line = strings.TrimFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '|' || r == '_' })
		if line == "" {
			continue
		}
		if m := slipCustomer.FindStringSubmatch(line); m != nil && q.Customer == "" {
			q.Customer = strings.TrimSpace(m[2])
			continue
		}
		if m := slipRemark.FindStringSubmatch(line); m != nil {
			q.Remark = strings.TrimSpace(m[2])
			continue
		}
		if slipSkip.MatchString(line) {
			continue
		}
		words := strings.Fields(line)
		if len(words) >= 2 {
			if m := qtyWord.FindStringSubmatch(words[len(words)-1]); m != nil {
				n := int64(0)
				for _, d := range m[1] {
					n = n*10 + int64(d-'0')
				}
				if n > 0 {
					q.Lines = append(q.Lines, IntakeLine{Name: strings.Join(words[:len(words)-1], " "), Qty: n, Unit: m[2]})
					continue
				}
			}
		}
		unread = append(unread, line)
	}
	return q, unread
}

// ClipOCR keeps what an engine read short enough to store with the draft.
func ClipOCR(s string) string { return trunc(s, 2000) }
