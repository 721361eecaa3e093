package service

import (
	"strings"
	"unicode"

	"gorm.io/gorm"

	"orderhub/model"
)

// Matching what a channel, a chat line or a slip names onto our customers
// and products. The rule everywhere: take a match only when exactly one
// thing fits; several are candidates for a person to pick from, none is
// "not found". Nothing is guessed (DESIGN.md invariant 7).

// Candidate is one customer or product a person may pick.
type Candidate struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// NormalizePhone reads a mainland number as people write it — +86,
// 0086, spaces, dashes, brackets, full-width digits — into 11 digits for a
// mobile, or "area-number" for a landline (010-12345678, 0571-87654321).
// ok is false for anything else.
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		}
		if r == '＋' {
			r = '+'
		}
		if r >= '0' && r <= '9' || r == '+' {
			b.WriteRune(r)
		} else if strings.ContainsRune(" -()（）.\u3000", r) {
			continue
		} else if b.Len() > 6 {
			break // an extension (转 123, ext 12) ends the number
		} else {
			return "", false
		}
	}
	d := b.String()
	d = strings.TrimPrefix(d, "+")
	if strings.HasPrefix(d, "0086") {
		d = d[4:]
	} else if strings.HasPrefix(d, "86") && len(d) >= 12 {
		d = d[2:]
	}
	if strings.ContainsRune(d, '+') {
		return "", false
	}
	if len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' {
		return d, true
	}
	if len(d) >= 10 && len(d) <= 12 && d[0] == '0' {
		area := 4
		if d[1] == '1' || d[1] == '2' {
			area = 3 // 010, 020–029
		}
		if n := len(d) - area; n == 7 || n == 8 {
			return d[:area] + "-" + d[area:], true
		}
	}
	if len(d) >= 9 && len(d) <= 11 && d[0] != '0' && d[0] != '1' {
		// An area code written without its 0 (after +86): 21 1234 5678.
		return NormalizePhone("0" + d)
	}
	return "", false
}

// customerMatch finds the customer a reference names: code first, then
// phone, then name (exact; a part of the name only when loose, for chat,
// where the person confirms what was matched).
func customerMatch(db *gorm.DB, ref CustomerRef, loose bool) (*model.Customer, []Candidate, error) {
	if code := strings.ToUpper(strings.TrimSpace(ref.Code)); code != "" {
		var c model.Customer
		if err := db.Where("code = ?", code).Limit(1).Find(&c).Error; err != nil {
			return nil, nil, err
		}
		if c.ID != 0 {
			return &c, nil, nil
		}
	}
	var found []model.Customer
	if p, ok := NormalizePhone(ref.Phone); ok {
		digits := strings.ReplaceAll(p, "-", "")
		var cs []model.Customer
		if err := db.Where("phone LIKE ?", "%"+digits[len(digits)-4:]).Find(&cs).Error; err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			if q, ok := NormalizePhone(c.Phone); ok && q == p {
				found = append(found, c)
			}
		}
	}
	if name := strings.TrimSpace(ref.Name); name != "" {
		var cs []model.Customer
		if err := db.Where("name = ?", name).Find(&cs).Error; err != nil {
			return nil, nil, err
		}
		if len(cs) == 0 {
			like := "%" + strings.NewReplacer("%", "", "_", "").Replace(name) + "%"
			if err := db.Where("name LIKE ?", like).Limit(20).Find(&cs).Error; err != nil {
				return nil, nil, err
			}
			if !loose && len(cs) == 1 && len(found) == 0 {
				// Part of a name from a channel: a candidate, not a match.
				return nil, candidates(cs), nil
			}
		}
		if len(found) > 0 && len(cs) > 0 {
			// Phone and name must agree on the one customer.
			var both []model.Customer
			for _, a := range found {
				for _, b := range cs {
					if a.ID == b.ID {
						both = append(both, a)
					}
				}
			}
			if len(both) == 1 {
				return &both[0], nil, nil
			}
			return nil, candidates(append(found, cs...)), nil
		}
		if len(found) > 0 {
			// The phone is a customer's but the name is nobody's: the
			// name says it is someone else, so a person decides.
			return nil, candidates(found), nil
		}
		found = append(found, cs...)
	}
	if len(found) == 1 {
		return &found[0], nil, nil
	}
	return nil, candidates(found), nil
}

func candidates(cs []model.Customer) []Candidate {
	seen := map[uint64]bool{}
	var out []Candidate
	for _, c := range cs {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, Candidate{Code: c.Code, Name: c.Name})
		}
	}
	return out
}

// matchLine fills l's match: the exact SKU, then the channel's own code
// through its alias table, then the spelled-out name.
func matchLine(db *gorm.DB, ix *productIndex, channel string, l *IntakeLine) error {
	l.ProductID, l.MatchedSKU, l.MatchedName, l.By, l.Candidates = 0, "", "", "", nil
	set := func(p model.Product, by string) {
		l.ProductID, l.MatchedSKU, l.MatchedName, l.By = p.ID, p.SKU, p.Name, by
		if l.Unit == UnitUnread {
			l.Unit = baseUnit(p.Unit)
		}
	}
	defer func() {
		if l.Unit == UnitUnread {
			l.Unit = "" // not matched: no unit to give it
		}
	}()
	for _, code := range []string{l.SKU, l.Name} {
		// A chat line or a slip writes the SKU where the name goes.
		if p, ok := ix.bySKU[NormalizeSKU(code)]; ok && code != "" {
			set(p, "sku")
			return nil
		}
	}
	for _, code := range []string{l.SKU, l.Name} {
		// The same SKU as a photo or a hurried hand gives it: a hyphen
		// lost (NUTM8), O for 0, I for 1 (BOLT-MI0-40). Only a key no
		// other SKU shares is taken.
		if p, ok := ix.byLooseSKU[looseSKU(code)]; ok && p.ID != 0 && strings.TrimSpace(code) != "" {
			set(p, "sku")
			return nil
		}
	}
	for _, code := range []string{l.Code, l.SKU} {
		if strings.TrimSpace(code) == "" || channel == "" {
			continue
		}
		var a model.ProductAlias
		if err := db.Where("channel = ? AND alias = ?", channel, strings.TrimSpace(code)).Limit(1).Find(&a).Error; err != nil {
			return err
		}
		if a.ID != 0 {
			if i, ok := ix.byID[a.ProductID]; ok {
				set(ix.all[i].p, "alias")
				return nil
			}
		}
	}
	text := l.Name
	if text == "" {
		text = l.SKU
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	hits, exact := ix.byName(text)
	var near []int32
	if len(hits) == 0 {
		near = ix.byNameNear(text)
	}
	switch {
	case len(hits) == 1:
		set(ix.all[hits[0]].p, "name")
	case len(exact) == 1:
		set(ix.all[exact[0]].p, "name")
	case len(near) == 1:
		// One character off (a slip's 蝶 for 螺): taken, and said so
		// with the draft, which the person confirms.
		set(ix.all[near[0]].p, "near")
	case len(near) > 1:
		hits = near
		fallthrough
	default:
		for _, p := range ix.firstBySKU(hits, 8) {
			l.Candidates = append(l.Candidates, Candidate{Code: p.SKU, Name: strings.TrimSpace(p.Name + " " + p.Spec)})
		}
	}
	return nil
}

// nameMatches reports whether text, a spelled-out product ("螺栓M8",
// "丰田卡罗拉2022款前刹车片"), fits p: every model number, size or year
// in the text is one of p's (M8 is not M80, 2022 is not 2023), every other
// Latin word is in p's code, name or spec, and every Chinese character of
// the text is in p's name or spec. exact: the text is p's name (and spec).
func nameMatches(text string, p model.Product) (ok, exact bool) {
	t := squash(text)
	if t == "" {
		return false, false
	}
	pp := prepare(p)
	return matchPrepared(t, latinRuns(t), &pp)
}

// matchPrepared is nameMatches for a squashed text t with its latin runs
// and a prepared product.
func matchPrepared(t string, runs []string, pp *preparedProduct) (ok, exact bool) {
	exact = t == pp.name || t == pp.nameSpec
	hay, hayTokens := pp.hay, pp.hayTokens
	cjk, strong := 0, false
	for _, w := range runs {
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			if !hayTokens[w] {
				return false, exact
			}
			strong = true
		} else if !strings.Contains(hay, w) {
			return false, exact
		}
	}
	for _, r := range t {
		if r >= 0x2E80 {
			if !strings.ContainsRune(hay, r) {
				return false, exact
			}
			cjk++
		}
	}
	return cjk >= 2 || strong || exact, exact
}

// squash upper-cases, makes full-width ASCII narrow and drops spaces and
// the separators of specs (M8×30 → M8 30 as two tokens stays readable by
// latinRuns). A size's times sign written as x, X or * (M8x30, M8*30,
// as people type it and OCR reads it) is the ×.
func squash(s string) string {
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == 0x3000 {
			continue
		}
		rs = append(rs, unicode.ToUpper(r))
	}
	for i := 1; i+1 < len(rs); i++ {
		if (rs[i] == 'X' || rs[i] == '*') && isDigit(rs[i-1]) && isDigit(rs[i+1]) {
			rs[i] = '×'
		}
	}
	return string(rs)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// looseSKU is a SKU as OCR or a hurried hand may give it: upper case,
// without separators, with the letters read for digits taken as those
// digits (O 0, I and L 1, S 5, B 8, Z 2). Both the catalogue's SKUs and
// the written code are keyed so, so NUTM8 finds NUT-M8.
func looseSKU(s string) string {
	var b strings.Builder
	for _, r := range squash(s) {
		switch r {
		case '-', '_', '.', '/', '·', '—':
			continue
		case 'O', 'Q':
			r = '0'
		case 'I', 'L', '|':
			r = '1'
		case 'S':
			r = '5'
		case 'B':
			r = '8'
		case 'Z':
			r = '2'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UnitUnread is the unit of a line whose quantity was followed by a unit
// that could not be read (ReadSlip: 20会 for 20盒); matching gives it the
// product's own unit, or none.
const UnitUnread = "?"

// baseUnit is the counting word of a product's unit: 盒 of 盒(100只).
func baseUnit(u string) string {
	u, _, _ = strings.Cut(u, "(")
	u, _, _ = strings.Cut(u, "（")
	return strings.TrimSpace(u)
}

// latinRuns splits out runs of ASCII letters and digits: "M8×30六角" → M8, 30.
func latinRuns(s string) []string {
	var out []string
	start := -1
	for i, r := range s + " " {
		isAl := r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if isAl && start < 0 {
			start = i
		}
		if !isAl && start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	return out
}
