package service

import (
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"gorm.io/gorm"

	"orderhub/model"
)

// Name matching through an index of the catalogue, kept from one channel
// order to the next at the reference data's version (model.CounterReference,
// moved in the same transaction by every write of products through gorm).
// Reading the whole catalogue for every order took 67 s for a 200-line
// order at 207k products; an order now reads one counter row, and each
// line checks only the products that hold its rarest character or model
// number (BenchmarkMatchLines200k, docs/benchmarks.md).

// catalogTTL bounds how long an index is trusted on the version alone:
// a product changed by hand in SQL moves no version.
const catalogTTL = 5 * time.Minute

// preparedProduct is a product with what nameMatches computes from it.
type preparedProduct struct {
	p         model.Product
	name      string          // squashed name
	nameSpec  string          // squashed name and spec
	hay       string          // squashed SKU, name and spec
	hayTokens map[string]bool // latin runs of hay
}

func prepare(p model.Product) preparedProduct {
	pp := preparedProduct{p: p, name: squash(p.Name), nameSpec: squash(p.Name + p.Spec), hay: squash(p.SKU + " " + p.Name + " " + p.Spec), hayTokens: map[string]bool{}}
	for _, w := range latinRuns(pp.hay) {
		pp.hayTokens[w] = true
	}
	return pp
}

// productIndex is the catalogue, prepared for matching.
type productIndex struct {
	bySKU map[string]model.Product
	// byLooseSKU: SKUs by looseSKU, only those no other SKU shares.
	byLooseSKU map[string]model.Product
	byID       map[uint64]int32
	all        []preparedProduct
	byRune     map[rune][]int32   // a Chinese character → products whose hay holds it
	byToken    map[string][]int32 // a latin run → products whose hay has it as a run
	byExact    map[string][]int32 // squashed name, and name+spec → products
}

func newProductIndex(ps []model.Product) *productIndex {
	ix := &productIndex{bySKU: make(map[string]model.Product, len(ps)), byLooseSKU: make(map[string]model.Product, len(ps)), byID: make(map[uint64]int32, len(ps)),
		all: make([]preparedProduct, len(ps)), byRune: map[rune][]int32{}, byToken: map[string][]int32{}, byExact: map[string][]int32{}}
	for i, p := range ps {
		ix.bySKU[p.SKU] = p
		k := looseSKU(p.SKU)
		if _, taken := ix.byLooseSKU[k]; taken {
			ix.byLooseSKU[k] = model.Product{} // shared: never matched loosely
		} else {
			ix.byLooseSKU[k] = p
		}
		ix.byID[p.ID] = int32(i)
		pp := prepare(p)
		ix.all[i] = pp
		seen := map[rune]bool{}
		for _, r := range pp.hay {
			if r >= 0x2E80 && !seen[r] {
				seen[r] = true
				ix.byRune[r] = append(ix.byRune[r], int32(i))
			}
		}
		for w := range pp.hayTokens {
			ix.byToken[w] = append(ix.byToken[w], int32(i))
		}
		name, nameSpec := pp.name, pp.nameSpec
		ix.byExact[name] = append(ix.byExact[name], int32(i))
		if nameSpec != name {
			ix.byExact[nameSpec] = append(ix.byExact[nameSpec], int32(i))
		}
	}
	return ix
}

func loadProducts(db *gorm.DB) (*productIndex, error) {
	var ps []model.Product
	if err := db.Order("id").Find(&ps).Error; err != nil {
		return nil, err
	}
	return newProductIndex(ps), nil
}

// byName returns the products text fits (hits) and those it names
// exactly, in catalogue order: the same as nameMatches over every
// product, checking only the products holding the text's rarest
// Chinese character or model number (all of them when it has none).
func (ix *productIndex) byName(text string) (hits, exact []int32) {
	t := squash(text)
	if t == "" {
		return nil, nil
	}
	runs := latinRuns(t)
	// Every Chinese character and model number of the text must be the
	// product's: the candidates are the intersection of their lists,
	// smallest first.
	var lists [][]int32
	for _, r := range t {
		if r >= 0x2E80 {
			lists = append(lists, ix.byRune[r])
		}
	}
	for _, w := range runs {
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			lists = append(lists, ix.byToken[w])
		}
	}
	check := func(i int32) {
		if ok, _ := matchPrepared(t, runs, &ix.all[i]); ok {
			hits = append(hits, i)
		}
	}
	if len(lists) > 0 {
		sort.Slice(lists, func(a, b int) bool { return len(lists[a]) < len(lists[b]) })
		cands := lists[0]
		for _, l := range lists[1:] {
			if len(cands) == 0 {
				break
			}
			cands = intersect(cands, l)
		}
		for _, i := range cands {
			check(i)
		}
	} else {
		for i := range ix.all {
			check(int32(i))
		}
	}
	ex := ix.byExact[t]
	sorted := append([]int32(nil), ex...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	for i, n := range sorted {
		if i == 0 || n != sorted[i-1] {
			exact = append(exact, n)
		}
	}
	return hits, exact
}

// firstBySKU returns the products of hits with the n smallest SKUs, in
// SKU order, without sorting all of them (a word like 螺栓 fits tens of
// thousands).
func (ix *productIndex) firstBySKU(hits []int32, n int) []model.Product {
	top := make([]int32, 0, n+1)
	for _, h := range hits {
		sku := ix.all[h].p.SKU
		if len(top) == n && sku >= ix.all[top[n-1]].p.SKU {
			continue
		}
		at := sort.Search(len(top), func(k int) bool { return ix.all[top[k]].p.SKU > sku })
		top = append(top, 0)
		copy(top[at+1:], top[at:])
		top[at] = h
		if len(top) > n {
			top = top[:n]
		}
	}
	out := make([]model.Product, len(top))
	for k, h := range top {
		out[k] = ix.all[h].p
	}
	return out
}

// intersect returns the ids in both ascending lists.
func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// catalogCache keeps one productIndex at the version it was read at.
type catalogCache struct {
	mu      sync.Mutex
	ix      *productIndex
	version uint64
	readAt  time.Time
	loads   int // indexes built, for tests
}

// index returns the catalogue's index as db sees it: the kept one when
// the reference version is the one it was built at, else a new one.
func (c *catalogCache) index(db *gorm.DB, now time.Time) (*productIndex, error) {
	var v []model.Counter
	if err := db.Where("name = ?", model.CounterReference).Limit(1).Find(&v).Error; err != nil {
		return nil, err
	}
	if len(v) != 1 {
		return loadProducts(db) // a schema before the counter: nothing kept
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix != nil && c.version == v[0].Value && now.Sub(c.readAt) < catalogTTL && !now.Before(c.readAt) {
		return c.ix, nil
	}
	ix, err := loadProducts(db)
	if err != nil {
		return nil, err
	}
	if c.ix == nil || v[0].Value >= c.version {
		c.ix, c.version, c.readAt = ix, v[0].Value, now
	}
	c.loads++
	return ix, nil
}

// byNameNear is byName for a text one Chinese character of which was
// read or written wrong (六角蝶栓 M8×30 for 六角螺栓): the products whose
// name and spec hold every model number and Latin word of the text and
// all but one of its Chinese characters, when the text has at least
// three. It is asked only when byName found nothing.
func (ix *productIndex) byNameNear(text string) []int32 {
	t := squash(text)
	runs := latinRuns(t)
	var cjk []rune
	for _, r := range t {
		if r >= 0x2E80 {
			cjk = append(cjk, r)
		}
	}
	if len(cjk) < 3 {
		return nil
	}
	var lists [][]int32
	for _, w := range runs {
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			lists = append(lists, ix.byToken[w])
		}
	}
	var cands []int32
	if len(lists) > 0 {
		sort.Slice(lists, func(a, b int) bool { return len(lists[a]) < len(lists[b]) })
		cands = lists[0]
		for _, l := range lists[1:] {
			cands = intersect(cands, l)
		}
	} else {
		// No model number: the products holding all but one of the
		// characters, counted through the character lists.
		seen := map[rune]bool{}
		count := map[int32]int{}
		distinct := 0
		for _, r := range cjk {
			if seen[r] {
				continue
			}
			seen[r] = true
			distinct++
			for _, i := range ix.byRune[r] {
				count[i]++
			}
		}
		for i, n := range count {
			if n >= distinct-1 {
				cands = append(cands, i)
			}
		}
		sort.Slice(cands, func(a, b int) bool { return cands[a] < cands[b] })
	}
	var out []int32
	for _, i := range cands {
		pp := &ix.all[i]
		ok, missed := true, 0
		for _, w := range runs {
			if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
				ok = ok && pp.hayTokens[w]
			} else {
				ok = ok && strings.Contains(pp.hay, w)
			}
		}
		for _, r := range cjk {
			if !strings.ContainsRune(pp.hay, r) {
				missed++
			}
		}
		if ok && missed <= 1 {
			out = append(out, i)
		}
	}
	return out
}
