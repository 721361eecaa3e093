// Package zhdict holds the simplified-Chinese dictionary of
// github.com/go-ego/gse ("zh_s", its data/dict/zh/s_1.txt) as gse holds it
// once loaded: every word's key as gse's trie stores it and the frequency
// gse gives it, sorted by key, with the dictionary's total frequency. It is
// read as a stream, word by word, so that a caller can keep only the words
// it needs instead of the whole dictionary: gse's own loader builds a trie
// of all 352,275 words, about 130 MB of heap that stays (see
// service/insight/remarkseg.go, which is why this exists).
//
// zh_s.txt.gz is generated from the gse module in go.mod by gen (go
// generate) and committed; nothing in it is edited by hand. The test checks
// it against what gse loads, so a gse upgrade without regenerating fails.
package zhdict

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

//go:generate go run ./gen zh_s.txt.gz

// data is gzipped (1.8 MB, 4.3 MB unpacked): reading it touches the
// binary's pages, which then count in the server's resident memory.
//
//go:embed zh_s.txt.gz
var data string

// Header is what the dictionary's first line says.
type Header struct {
	// Source names the gse module and dictionary it was generated from.
	Source string
	// Total is the sum of all words' frequencies: gse's Dictionary.TotalFreq.
	Total float64
	// Words is how many words follow.
	Words int
}

// Scan reads the dictionary and calls fn for every word in key order
// (bytewise); key is only valid during the call. It returns the header.
func Scan(fn func(key []byte, freq float64)) (Header, error) {
	var h Header
	zr, err := gzip.NewReader(strings.NewReader(data))
	if err != nil {
		return h, fmt.Errorf("zhdict: %w", err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	if !sc.Scan() {
		return h, fmt.Errorf("zhdict: no header: %v", sc.Err())
	}
	if _, err := fmt.Sscanf(sc.Text(), "%s %f %d", &h.Source, &h.Total, &h.Words); err != nil {
		return h, fmt.Errorf("zhdict: header %q: %w", sc.Text(), err)
	}
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		i := bytes.LastIndexByte(line, ' ')
		if i <= 0 {
			return h, fmt.Errorf("zhdict: line %d: %q", n+2, line)
		}
		f, err := strconv.ParseUint(string(line[i+1:]), 10, 53)
		if err != nil {
			return h, fmt.Errorf("zhdict: line %d: %w", n+2, err)
		}
		fn(line[:i], float64(f))
		n++
	}
	if err := sc.Err(); err != nil {
		return h, fmt.Errorf("zhdict: %w", err)
	}
	if n != h.Words {
		return h, errors.New("zhdict: " + strconv.Itoa(n) + " words, the header says " + strconv.Itoa(h.Words))
	}
	return h, nil
}
