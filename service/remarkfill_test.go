package service

import (
	"slices"
	"testing"
)

// TestRemarkTermsDropFillerKeepPhrases: the demo's remarks give terms a
// manager acts on — no filler (需要, 两次, 请加, 二号, 送到, 包好) and
// 「周末不收」 whole, not 周末 + 不收.
func TestRemarkTermsDropFillerKeepPhrases(t *testing.T) {
	seg, err := remarkSegmenter(demoRemarks, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := &Insight{}
	var all []string
	for _, r := range demoRemarks {
		all = append(all, in.remarkTerms(seg, r)...)
	}
	for _, filler := range []string{"需要", "两次", "请加", "二号", "送到", "包好", "不收"} {
		if slices.Contains(all, filler) {
			t.Errorf("terms %v hold the filler %s", all, filler)
		}
	}
	for _, want := range []string{"周末不收", "禁用", "贴标签"} {
		if !slices.Contains(all, want) {
			t.Errorf("terms %v lack %s", all, want)
		}
	}
}
