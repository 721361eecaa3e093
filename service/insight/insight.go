package insight

import (
	"context"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/kernel"
)

// DefaultRemarkTerms are the requirements buyers write again and again,
// counted whole even where the segmenter would split them.
var DefaultRemarkTerms = []string{"防潮膜", "禁用胶带", "木托", "单独包装", "送货前电话", "质检报告", "加急", "发票随货", "工作日送货", "卸货平台"}

// Insight reads what the orders say: when each customer orders, and what
// their remarks keep asking for.
type Insight struct {
	db    *gorm.DB
	clock kernel.Clock
	loc   *time.Location
	known []string
	// themes group terms into what a manager acts on (remarkthemes.go).
	themes []RemarkThemeRule

	// gse's HMM model (a table in gse's package) is loaded on first use,
	// not at start, so that a cold start stays fast. The dictionary is not
	// kept: each Remarks call builds a segmenter of the words its remarks
	// need (remarkseg.go).
	hmm sync.Once
	// segment returns the segmenter for a call's remarks: remarkSegmenter,
	// or in tests the segmenter of gse's whole dictionary, the reference.
	segment func(texts, known []string) (*gse.Segmenter, error)

	// Calendar and Remarks read every order of up to a year at once: the
	// SQLite connections keep the pages they read, and the Go heap stays
	// at its high-water mark for minutes. So when the last call running
	// ends, release hands the memory back to the OS (releaseMemory), as
	// after the demo history; a call starting meanwhile waits for it.
	mu      sync.Mutex
	running int
	release func(ctx context.Context)
}

// NewInsight returns an Insight; known are the remark terms counted whole.
func NewInsight(db *gorm.DB, clock kernel.Clock, loc *time.Location, known []string) *Insight {
	if db == nil || clock == nil || loc == nil {
		panic("insight: NewInsight: nil dependency")
	}
	if len(known) == 0 {
		known = DefaultRemarkTerms
	}
	in := &Insight{db: db, clock: clock, loc: loc, known: known, themes: DefaultRemarkThemes, segment: remarkSegmenter}
	in.release = in.releaseMemory
	return in
}

// use marks a call reading in bulk as running; the func it returns marks it
// done, and the last one done releases the memory.
func (in *Insight) use(ctx context.Context) (done func()) {
	in.mu.Lock()
	in.running++
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.running--; in.running == 0 {
			in.release(ctx)
		}
	}
}

// releaseMemory closes the idle SQLite connections (a no-op on MySQL) and
// returns the Go heap's free pages to the OS: 10–15 MB after a 90-day
// Calendar or Remarks on the demo's history, a few milliseconds
// (docs/benchmarks.md, "The remark segmenter's memory"). Best effort: a
// failure leaves the memory to the runtime and the pool, as before, and
// is no reason to fail the answer already computed.
func (in *Insight) releaseMemory(ctx context.Context) {
	_ = model.ReleaseMemory(context.WithoutCancel(ctx), in.db)
	debug.FreeOSMemory()
}

// segmenter returns a segmenter for texts: it cuts them as one holding
// gse's whole zh_s dictionary and the known terms would.
func (in *Insight) segmenter(texts []string) (*gse.Segmenter, error) {
	in.hmm.Do(loadHMM)
	return in.segment(texts, in.known)
}

func checkDays(days int) (int, error) {
	if days == 0 {
		return 90, nil
	}
	if days < 7 || days > 366 {
		return 0, kernel.Invalid("days", kernel.CodeInvalidRange, "须在 7 到 366 之间")
	}
	return days, nil
}

// Calendar answers the purchase calendar of one customer (code), or of
// every customer with orders in the last days days (code empty),
// clustered customers first.
func (in *Insight) Calendar(ctx context.Context, code string, days int) ([]service.CustomerCalendar, error) {
	days, err := checkDays(days)
	if err != nil {
		return nil, err
	}
	defer in.use(ctx)()
	db := in.db.WithContext(ctx)
	since := in.clock().AddDate(0, 0, -days)
	q := db.Table("orders AS o").Joins("JOIN customers AS c ON c.id = o.customer_id").
		Select("c.code AS code, c.name AS name, o.created_at AS created_at, o.promised_at AS promised_at, o.remark AS remark").
		Where("o.created_at >= ?", since)
	if code = strings.ToUpper(strings.TrimSpace(code)); code != "" {
		var c model.Customer
		if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
			return nil, kernel.NotFound(err, "customer", code)
		}
		q = q.Where("o.customer_id = ?", c.ID)
	}
	var rows []struct {
		Code, Name string
		CreatedAt  time.Time
		PromisedAt *time.Time
		Remark     string
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	by := map[string]*service.CustomerCalendar{}
	urgent := map[string]int{}
	var order []string
	for _, r := range rows {
		c := by[r.Code]
		if c == nil {
			c = &service.CustomerCalendar{Code: r.Code, Name: r.Name}
			by[r.Code] = c
			order = append(order, r.Code)
		}
		c.Orders++
		c.ByDay[r.CreatedAt.In(in.loc).Day()-1]++
		if (r.PromisedAt != nil && r.PromisedAt.Sub(r.CreatedAt) <= 24*time.Hour) || strings.Contains(r.Remark, "加急") || strings.Contains(r.Remark, "急用") {
			urgent[r.Code]++
		}
	}
	out := make([]service.CustomerCalendar, 0, len(order))
	for _, code := range order {
		c := by[code]
		best := 0
		for start := 0; start < 31; start++ {
			n := 0
			for k := 0; k < service.ClusterSpan; k++ {
				n += c.ByDay[(start+k)%31]
			}
			if n > best {
				best, c.From, c.To = n, start+1, (start+service.ClusterSpan-1)%31+1
			}
		}
		c.Share = ratio(best, c.Orders)
		c.Clustered = c.Orders >= service.ClusterMin && c.Share >= service.ClusterShare
		c.Urgent = ratio(urgent[code], c.Orders)
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b service.CustomerCalendar) int {
		if a.Clustered != b.Clustered {
			if a.Clustered {
				return -1
			}
			return 1
		}
		if a.Orders != b.Orders {
			return b.Orders - a.Orders
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out, nil
}

// RemarkTerm is one term that recurs in order remarks.
type RemarkTerm struct {
	Term string
	// Known: a term of the configured dictionary of requirements.
	Known bool
	// Count is how many orders' remarks carry it.
	Count int
	// Weeks counts it per week, oldest first, the last being the week
	// ending now.
	Weeks []int
	// Examples are up to three order numbers, newest first.
	Examples []string
}

// MaxNewTerms bounds the new (not configured) terms answered.
const MaxNewTerms = 20

// Remarks counts the terms of the order remarks of the last days days:
// every configured term, then the most frequent new terms the segmenter
// finds (two or more characters, no stop words, no numbers).
func (in *Insight) Remarks(ctx context.Context, days int) ([]RemarkTerm, error) {
	days, err := checkDays(days)
	if err != nil {
		return nil, err
	}
	defer in.use(ctx)()
	now := in.clock()
	var rows []struct {
		No        string
		Remark    string
		CreatedAt time.Time
	}
	if err := in.db.WithContext(ctx).Model(&model.Order{}).Select("no, remark, created_at").
		Where("created_at >= ? AND remark <> ''", now.AddDate(0, 0, -days)).Order("created_at DESC, id DESC").Scan(&rows).Error; err != nil {
		return nil, err
	}
	texts := make([]string, len(rows))
	for i, r := range rows {
		texts[i] = r.Remark
	}
	seg, err := in.segmenter(texts)
	if err != nil {
		return nil, err
	}
	weeks := (days + 6) / 7
	terms := map[string]*RemarkTerm{}
	get := func(t string, known bool) *RemarkTerm {
		rt := terms[t]
		if rt == nil {
			rt = &RemarkTerm{Term: t, Known: known, Weeks: make([]int, weeks)}
			terms[t] = rt
		}
		return rt
	}
	for _, t := range in.known {
		get(t, true)
	}
	// Buyers repeat themselves: each distinct remark is cut once, then
	// pieces that always come together are joined into their phrase.
	termsOf := in.remarkTermsAll(seg, texts)
	for _, r := range rows {
		found := termsOf[r.Remark]
		w := weeks - 1 - int(now.Sub(r.CreatedAt)/(7*24*time.Hour))
		for _, t := range found {
			rt := get(t, slices.Contains(in.known, t))
			rt.Count++
			if w >= 0 && w < weeks {
				rt.Weeks[w]++
			}
			if len(rt.Examples) < 3 {
				rt.Examples = append(rt.Examples, r.No)
			}
		}
	}
	var known, fresh []RemarkTerm
	for _, rt := range terms {
		if rt.Known {
			known = append(known, *rt)
		} else if rt.Count >= 2 {
			fresh = append(fresh, *rt)
		}
	}
	byCount := func(a, b RemarkTerm) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Term, b.Term)
	}
	slices.SortFunc(known, byCount)
	slices.SortFunc(fresh, byCount)
	if len(fresh) > MaxNewTerms {
		fresh = fresh[:MaxNewTerms]
	}
	return append(known, fresh...), nil
}

// remarkTermsAll are the terms of each remark (remarks holds every
// order's remark, repeats included, so that counts are per order): the
// known terms it contains, then the new terms of its cut — two or more
// characters, no stop word, no filler, no number, not a piece of a known
// term — each once. Adjacent pieces that are one phrase across the
// remarks are joined first (remarkPhrases).
func (in *Insight) remarkTermsAll(seg *gse.Segmenter, remarks []string) map[string][]string {
	cuts := map[string][]string{}
	times := map[string]int{}
	for _, r := range remarks {
		times[r]++
		if _, ok := cuts[r]; !ok {
			var pieces []string
			for _, t := range seg.Cut(r, true) {
				if t = strings.TrimSpace(t); t != "" {
					pieces = append(pieces, t)
				}
			}
			cuts[r] = pieces
		}
	}
	join := remarkPhrases(cuts, times, in.known)
	out := make(map[string][]string, len(cuts))
	for r, pieces := range cuts {
		var found []string
		seen := map[string]bool{}
		for _, t := range in.known {
			if strings.Contains(r, t) && !seen[t] {
				seen[t] = true
				found = append(found, t)
			}
		}
		for _, t := range join(pieces) {
			if seen[t] || utf8.RuneCountInString(t) < 2 || seg.IsStop(t) || !hasHan(t) || isFiller(t) {
				continue
			}
			// A piece of a known term is not a new term.
			part := false
			for _, k := range in.known {
				if strings.Contains(k, t) {
					part = true
				}
			}
			if !part {
				seen[t] = true
				found = append(found, t)
			}
		}
		out[r] = found
	}
	return out
}

// hasHan reports whether s has a Chinese character: remarks' numbers,
// phone numbers and codes are not terms.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
