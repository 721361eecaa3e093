package insight

import (
	"strings"
	"unicode/utf8"
)

// remarkFiller are words buyers write around what they ask for — verbs of
// asking and sending, courtesy, pronouns — that are no requirement a
// manager can act on (需要, 请加, 送到, 包好, 上次). isFiller also drops
// counted words (两次, 二号, 3件).
var remarkFiller = map[string]bool{
	"需要": true, "请加": true, "送到": true, "包好": true, "上次": true, "安排": true, "要求": true,
	"麻烦": true, "谢谢": true, "一下": true, "注意": true, "务必": true, "记得": true, "可以": true,
	"帮忙": true, "我们": true, "我司": true, "你们": true, "这边": true, "那边": true, "一定": true,
	"请勿": true, "不要": true, "还是": true, "一样": true, "同上": true, "照旧": true, "希望": true,
	"尽量": true, "确认": true, "客户": true, "这次": true, "下次": true, "以后": true, "每次": true,
	"发货": true, "收货": true, "联系": true, "数量": true, "后再": true, "也": true,
}

// numerals start counted words: 两次, 二号, 三箱.
const numerals = "一二三四五六七八九十两几半〇零百千万0123456789"

// isFiller reports whether a cut piece is filler, not a requirement.
func isFiller(t string) bool {
	if remarkFiller[t] {
		return true
	}
	r, _ := utf8.DecodeRuneInString(t)
	return strings.ContainsRune(numerals, r) && utf8.RuneCountInString(t) <= 3
}

// negations start the second half of a phrase that must stay whole:
// 周末 + 不收 is 周末不收, the opposite of 周末.
const negations = "不勿禁别免无非未"

// remarkPhrases finds, over the cut remarks (each remark's pieces, and
// how many orders carry it), the adjacent pieces that are one phrase, and
// returns the function that joins them in a remark's pieces. Two pieces
// a b are a phrase when they come together in at least two orders and
// either the second is a negation (周末 不收) or they nearly always come
// together: at least 80% of the orders carrying a, and of those carrying
// b, carry a b. Each piece has two characters or more (a lone 并, 加, 用
// glues onto anything in a template), neither is a known term (木托 stays
// 木托), a phrase is at most six characters, and filler never joins (it is
// dropped instead).
func remarkPhrases(cuts map[string][]string, times map[string]int, known []string) func([]string) []string {
	isKnown := func(p string) bool {
		for _, k := range known {
			if strings.Contains(p, k) || strings.Contains(k, p) {
				return true
			}
		}
		return false
	}
	piece := map[string]int{}
	pair := map[[2]string]int{}
	for r, ps := range cuts {
		n := times[r]
		seen := map[string]bool{}
		seenPair := map[[2]string]bool{}
		for i, p := range ps {
			if !seen[p] {
				seen[p] = true
				piece[p] += n
			}
			if i > 0 {
				k := [2]string{ps[i-1], p}
				if !seenPair[k] {
					seenPair[k] = true
					pair[k] += n
				}
			}
		}
	}
	joins := map[[2]string]bool{}
	for k, n := range pair {
		a, b := k[0], k[1]
		if n < 2 || !hasHan(a) || !hasHan(b) || isFiller(a) || isFiller(b) || utf8.RuneCountInString(a) < 2 || utf8.RuneCountInString(b) < 2 ||
			utf8.RuneCountInString(a+b) > 6 || isKnown(a) || isKnown(b) {
			continue
		}
		first, _ := utf8.DecodeRuneInString(b)
		if strings.ContainsRune(negations, first) || (n*5 >= piece[a]*4 && n*5 >= piece[b]*4) {
			joins[k] = true
		}
	}
	return func(ps []string) []string {
		if len(joins) == 0 {
			return ps
		}
		var out []string
		for i := 0; i < len(ps); i++ {
			if i+1 < len(ps) && joins[[2]string{ps[i], ps[i+1]}] {
				out = append(out, ps[i]+ps[i+1])
				i++
				continue
			}
			out = append(out, ps[i])
		}
		return out
	}
}
