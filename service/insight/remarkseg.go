package insight

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"orderhub/internal/zhdict"
)

// Remark segmentation keeps no dictionary between calls. gse's own loader
// builds a trie of the whole zh_s dictionary (352,275 words): 1.2–1.8 s and
// about 130 MB of live heap (260–290 MB resident) that a server would keep
// for good after one look at the charts. Cutting a text in gse's accurate
// mode (Cut(text, true): a DAG of the dictionary words in the text, the
// most probable route through it, HMM for runs of single characters) only
// ever looks up substrings of that text. So each call streams the
// dictionary (internal/zhdict, as gse holds it) and builds a segmenter of
// just the words that can answer those look-ups the same way:
//
//   - every word that occurs in a text, with its frequency;
//   - for every substring of a text that is a proper prefix of some word
//     (gse's Find answers "a prefix, not a word" for it, and a lone
//     character that is only a prefix scores log 0 on the route), one such
//     word, so that it stays a prefix; a word adds no prefix the whole
//     dictionary does not have;
//   - the configured terms, as before (AddToken keeps a dictionary word's
//     frequency, else gives them 100,000);
//   - one filler entry with the frequency of every word left out, under a
//     key no text can contain (0xFF never occurs in UTF-8), so that the
//     total frequency, the denominator of every word's probability, is the
//     whole dictionary's. Frequencies are whole numbers summing far below
//     2^53, so the float64 sums are exact.
//
// Every look-up the cut makes then answers what it would with the whole
// dictionary, so the terms are the same (TestRemarkSegmenterMatchesGse).
// gse's HMM model is a package-level table in gse; Insight loads it once.

// fillerKey is the key of the filler entry: not valid UTF-8, so no text's
// substring equals it or starts with it.
const fillerKey = "\xff"

// remarkSegmenter returns a segmenter that cuts each of texts (with
// Cut(text, true)) and answers IsStop as one loaded with gse's zh_s
// dictionary, its stop words and the known terms does. gse's HMM model must
// be loaded already.
func remarkSegmenter(texts, known []string) (*gse.Segmenter, error) {
	// What gse's cut looks up: substrings of the lower-cased text, rune
	// aligned, invalid bytes read as U+FFFD (it goes through []rune).
	var suffixes []string
	seen := map[string]bool{}
	for _, t := range texts {
		if gse.ToLower {
			t = strings.ToLower(t)
		}
		t = string([]rune(t))
		if seen[t] {
			continue
		}
		seen[t] = true
		for i := range t {
			suffixes = append(suffixes, t[i:])
		}
	}
	slices.Sort(suffixes)
	knownKey := map[string]bool{}
	for _, k := range known {
		knownKey[gse.Join(gse.SplitWords([]byte(k)))] = true // the key AddToken gives it
	}

	type word struct {
		key  string
		freq float64
	}
	var keep []word
	kept := 0.0
	// covered: the texts' substrings that are prefixes (or keys) of a kept
	// word, so nodes of the segmenter's trie.
	covered := map[string]bool{}
	j := 0
	h, err := zhdict.Scan(func(key []byte, freq float64) {
		// Keys come in order, so the first suffix not below key only moves
		// on; the longest prefix of key found in a text is its common
		// prefix with that suffix or the one before.
		for j < len(suffixes) && suffixes[j] < string(key) {
			j++
		}
		n := 0
		if j < len(suffixes) {
			n = commonPrefix(key, suffixes[j])
		}
		if j > 0 {
			n = max(n, commonPrefix(key, suffixes[j-1]))
		}
		for n < len(key) && n > 0 && !utf8.RuneStart(key[n]) {
			n--
		}
		if n < len(key) && !knownKey[string(key)] && (n == 0 || covered[string(key[:n])]) {
			return
		}
		keep = append(keep, word{string(key), freq})
		kept += freq
		for i := 1; i <= n; i++ {
			if i == n || utf8.RuneStart(key[i]) {
				covered[string(key[:i])] = true
			}
		}
	})
	if err != nil {
		return nil, err
	}
	seg := &gse.Segmenter{Dict: gse.NewDict(), NotLoadHMM: true}
	for _, w := range keep {
		if err := seg.Dict.AddToken(seg.ToToken(w.key, w.freq)); err != nil {
			return nil, fmt.Errorf("remark segmenter: %q: %w", w.key, err)
		}
	}
	for _, t := range known {
		if err := seg.AddToken(t, 100000, "n"); err != nil {
			return nil, fmt.Errorf("remark segmenter: %q: %w", t, err)
		}
	}
	if rest := h.Total - kept; rest > 0 {
		if err := seg.Dict.AddToken(seg.ToToken(fillerKey, rest)); err != nil {
			return nil, fmt.Errorf("remark segmenter: filler: %w", err)
		}
	}
	if err := seg.LoadStopEmbed(); err != nil {
		return nil, err
	}
	return seg, nil
}

// loadHMM loads gse's HMM model, a table in gse's package that its Cut
// reads: once, before the first cut, as gse's loader would.
func loadHMM() { (&gse.Segmenter{}).LoadModel() }

// commonPrefix is the length in bytes of the longest common prefix of a
// and b.
func commonPrefix(a []byte, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
