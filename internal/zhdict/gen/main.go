// Command gen writes zh_s.txt.gz: the dictionary github.com/go-ego/gse
// loads for its embedded "zh_s" (data/dict/zh/s_1.txt), as it holds it
// after loading — each word's key as its trie stores it (Latin letters
// lower-cased), the frequency of the line that won (the first; words under
// frequency 2 dropped, one-character words at 2), sorted by key — and the
// dictionary's source, total frequency and number of words on the first
// line. Run by go generate in
// the parent directory: go run ./gen zh_s.txt.gz
package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/go-ego/gse"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen <out.txt.gz>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// source names the gse module the dictionary came from, as built.
func source() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/go-ego/gse" {
				return m.Path + "@" + m.Version + ":zh_s"
			}
		}
	}
	return "github.com/go-ego/gse:zh_s"
}

func run(out string) error {
	var seg gse.Segmenter
	seg.NotLoadHMM = true
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return err
	}
	type word struct {
		key  string
		freq float64
	}
	words := make([]word, 0, seg.Dict.NumTokens())
	sum := 0.0
	for i := range seg.Dict.Tokens {
		t := &seg.Dict.Tokens[i]
		f := t.Freq()
		// Frequencies are whole numbers, and their sum is far below 2^53, so
		// any subset sums exactly in a float64, in any order.
		if f != math.Trunc(f) || f < 1 || strings.ContainsAny(t.Text(), " \t\n") {
			return fmt.Errorf("unexpected word %q, frequency %v", t.Text(), f)
		}
		words = append(words, word{t.Text(), f})
		sum += f
	}
	if sum != seg.Dict.TotalFreq() {
		return fmt.Errorf("total %v, the words sum to %v", seg.Dict.TotalFreq(), sum)
	}
	slices.SortFunc(words, func(a, b word) int { return strings.Compare(a.key, b.key) })
	for i := 1; i < len(words); i++ {
		if words[i].key == words[i-1].key {
			return fmt.Errorf("key %q twice", words[i].key)
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	fmt.Fprintf(w, "%s %d %d\n", source(), int64(sum), len(words))
	for _, wd := range words {
		fmt.Fprintf(w, "%s %d\n", wd.key, int64(wd.freq))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
