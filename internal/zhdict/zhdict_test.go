package zhdict_test

import (
	"bytes"
	"testing"

	"github.com/go-ego/gse"

	"orderhub/internal/zhdict"
)

// TestMatchesGse: the embedded dictionary is word for word, frequency for
// frequency, what gse loads for "zh_s" from the module in go.mod, in key
// order, and its total is gse's. It fails after a gse upgrade that changes
// the dictionary until go generate is run.
func TestMatchesGse(t *testing.T) {
	var seg gse.Segmenter
	seg.NotLoadHMM = true
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for i := range seg.Dict.Tokens {
		tk := &seg.Dict.Tokens[i]
		want[tk.Text()] = tk.Freq()
	}
	var prev []byte
	n, bad := 0, 0
	h, err := zhdict.Scan(func(key []byte, freq float64) {
		n++
		if prev != nil && bytes.Compare(prev, key) >= 0 {
			t.Fatalf("%q after %q: not in key order", key, prev)
		}
		prev = append(prev[:0], key...)
		if f, ok := want[string(key)]; !ok || f != freq {
			if bad++; bad < 10 {
				t.Errorf("%q: frequency %v, gse has %v (%v)", key, freq, f, ok)
			}
		}
		delete(want, string(key))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) > 0 {
		t.Errorf("%d of gse's words missing", len(want))
	}
	if h.Total != seg.Dict.TotalFreq() || h.Words != n || n != seg.Dict.NumTokens() {
		t.Errorf("header %+v, %d words; gse: total %v, %d words", h, n, seg.Dict.TotalFreq(), seg.Dict.NumTokens())
	}
}
