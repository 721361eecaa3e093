package insight

import (
	"context"

	"github.com/go-ego/gse"
)

// WholeDictionary returns a segmenter as Insight held one until
// 2026-11-30: gse's whole zh_s dictionary, its stop words and the known
// terms. Loading takes 1–2 s and about 130 MB of heap.
func WholeDictionary(known []string) (*gse.Segmenter, error) {
	var seg gse.Segmenter
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, err
	}
	if err := seg.LoadStopEmbed(); err != nil {
		return nil, err
	}
	for _, k := range known {
		if err := seg.AddToken(k, 100000, "n"); err != nil {
			return nil, err
		}
	}
	return &seg, nil
}

// InsightWith makes in cut every call's remarks with seg, a segmenter
// from WholeDictionary with in's known terms: the insight as it was, the
// reference the tests compare with.
func InsightWith(in *Insight, seg *gse.Segmenter) *Insight {
	in.segment = func([]string, []string) (*gse.Segmenter, error) { return seg, nil }
	return in
}

// DemoRemarks and RealisticRemarks are the remarks of
// TestRemarkSegmenterMatchesGse, for TestRemarkTermsAsBefore.
var DemoRemarks, RealisticRemarks = demoRemarks, realisticRemarks

// ObserveInsightRelease calls fn, with the number of calls running, each
// time in releases memory, before it does.
func ObserveInsightRelease(in *Insight, fn func(running int)) {
	release := in.release
	in.release = func(ctx context.Context) {
		fn(in.running)
		release(ctx)
	}
}

// KeepInsightMemory stops in from releasing memory after its calls, as
// before; for benchmarks that price the release.
func KeepInsightMemory(in *Insight) { in.release = func(context.Context) {} }
