package insight

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"orderhub/internal/zhdict"
)

// demoRemarks are internal/demo's remarks (history.go), which this package
// cannot import; TestDemoRemarkTerms runs the real seed.
var demoRemarks = []string{
	"外箱加防潮膜，禁用胶带封口", "请加防潮膜", "禁用胶带，用打包带", "送货前电话联系仓库收货员", "工作日白天送货，周末不收",
	"木托打包，叉车卸货", "单独包装并贴标签", "加急，产线停工待料", "发票随货", "送到二号门卸货平台", "防潮膜包好，雨天不送",
	"需要质检报告", "分两次送货也可以", "请核对规格后再发", "急用，请优先安排",
}

// realisticRemarks are what buyers of a hardware wholesaler write, with
// their Latin, digits, full-width forms and slips.
var realisticRemarks = []string{
	"外箱加防潮膜，禁用胶带封口。", "送货前请提前一小时电话联系，电话13812345678", "周六周日不收货，工作日送货",
	"M8不锈钢螺丝单独包装，每包100个", "PVC管要白色的，不要灰色", "4S店后门卸货，找王师傅", "急用！！明天上午必须到",
	"开增值税专用发票，发票随货寄出", "需要材质证明和质检报告", "木托打包，叉车卸货，卸货平台在三号门",
	"请用缠绕膜加固，防止运输途中散落", "送货地址改为：苏州工业园区星湖街328号", "货到付款", "分批发货，先发一半",
	"规格：DN50 镀锌管 6米/根", "不要用快递，走物流专线", "请核对数量后再发货，上次少了两箱", "包装要结实，上次外箱破损了",
	"ＡＢＣ型号的轴承，ＳＫＦ品牌", "Abc型号 AB型 aa制", "联系人：李经理 tel:0512-88886666", "下午三点以后再送",
	"加急加急加急", "禁用胶带", "防潮膜", "卸货平台", "一", "", " ", "，，。。", "😀请尽快发货🚚",
	"送货上门并协助搬运到二楼仓库", "发票抬头：昆山永固建材有限公司，税号91320583MA1XXXXX", "同上次订单，数量翻倍",
	"请优先安排生产，产线停工待料", "不锈钢六角螺栓M12*50，镀锌平垫", "电钻配件若干，详见附件清单", "质检報告請隨貨",
	"wifi摄像头 IP67 防水等级", "铝合金型材6063-T5，表面阳极氧化", "年底结算，月结30天", "工作日送货前电话",
}

// randomRemarks are texts made of dictionary words cut and glued at random,
// with stray characters, Latin, digits and bytes that are not UTF-8, so
// that prefixes, words and runs of single characters meet every way.
func randomRemarks(t testing.TB, n int) []string {
	t.Helper()
	var words []string
	rng := rand.New(rand.NewPCG(15, 2026))
	if _, err := zhdict.Scan(func(key []byte, _ float64) {
		if rng.IntN(100) == 0 {
			words = append(words, string(key))
		}
	}); err != nil {
		t.Fatal(err)
	}
	stray := []string{"，", "。", " ", "的", "了", "和", "A", "b", "9", "12", "x1", "ＡＢ", "\xff", "\xe4\xb8", "号", "货", "箱", "\t", "！"}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for k := 1 + rng.IntN(8); k > 0; k-- {
			switch r := rng.IntN(10); {
			case r < 5:
				b.WriteString(words[rng.IntN(len(words))])
			case r < 8:
				w := []rune(words[rng.IntN(len(words))])
				from := rng.IntN(len(w))
				b.WriteString(string(w[from : from+1+rng.IntN(len(w)-from)]))
			default:
				b.WriteString(stray[rng.IntN(len(stray))])
			}
		}
		out[i] = b.String()
	}
	return out
}

// TestRemarkSegmenterMatchesGse: the segmenter built for a set of remarks
// cuts each of them, word for word, as the segmenter with the whole
// dictionary does, answers every look-up of their substrings the same (so
// the route probabilities are the same) and has the same total frequency,
// while holding only a small part of the dictionary — for the demo's
// remarks, realistic ones and random ones, with the default terms and with
// terms in and out of the dictionary, in Latin and upper case.
func TestRemarkSegmenterMatchesGse(t *testing.T) {
	loadHMM()
	ref, err := WholeDictionary(DefaultRemarkTerms)
	if err != nil {
		t.Fatal(err)
	}
	extra := []string{"叉车卸货", "PVC管", "Abc型", "加急", "缠绕膜加固", "木托"}
	random := randomRemarks(t, 400)
	sets := []struct {
		name  string
		texts []string
	}{
		{"demo", demoRemarks},
		{"realistic", realisticRemarks},
		{"one remark", realisticRemarks[:1]},
		{"random", random},
		{"none", nil},
	}
	for _, known := range [][]string{DefaultRemarkTerms, append(slices.Clone(DefaultRemarkTerms), extra...)} {
		if len(known) > len(DefaultRemarkTerms) {
			for _, k := range extra {
				if err := ref.AddToken(k, 100000, "n"); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, set := range sets {
			t.Run(fmt.Sprintf("%s/%d terms", set.name, len(known)), func(t *testing.T) {
				seg, err := remarkSegmenter(set.texts, known)
				if err != nil {
					t.Fatal(err)
				}
				if seg.Dict.TotalFreq() != ref.Dict.TotalFreq() {
					t.Fatalf("total frequency %v, want %v", seg.Dict.TotalFreq(), ref.Dict.TotalFreq())
				}
				if n := seg.Dict.NumTokens(); n > ref.Dict.NumTokens()/10 {
					t.Errorf("%d words kept of %d", n, ref.Dict.NumTokens())
				}
				bad := 0
				for _, text := range set.texts {
					got, want := seg.Cut(text, true), ref.Cut(text, true)
					if !slices.Equal(got, want) {
						if bad++; bad <= 5 {
							t.Errorf("%q: cut %q, want %q", text, got, want)
						}
					}
					for _, w := range want {
						if seg.IsStop(w) != ref.IsStop(w) {
							t.Errorf("%q: IsStop %v", w, ref.IsStop(w))
						}
					}
					runes := []rune(strings.ToLower(text))
					for i := range runes {
						for j := i + 1; j <= len(runes); j++ {
							s := string(runes[i:j])
							gf, _, gok := seg.Find(s)
							wf, _, wok := ref.Find(s)
							if gf != wf || gok != wok {
								if bad++; bad <= 5 {
									t.Errorf("Find(%q) = %v %v, want %v %v", s, gf, gok, wf, wok)
								}
							}
						}
					}
				}
				if bad > 5 {
					t.Errorf("%d differences in all", bad)
				}
			})
		}
	}
	// The filler's key is not valid UTF-8: no text can reach it.
	if utf8.ValidString(fillerKey) {
		t.Errorf("filler key %q is valid UTF-8", fillerKey)
	}
}

// BenchmarkRemarkSegmenter prices building the segmenter for n distinct
// remarks (the demo has 15; random ones, 1–8 dictionary words and pieces
// each, stand for a year of free text), against loading gse's whole
// dictionary once ("whole").
//
// go test ./service -run '^$' -bench RemarkSegmenter -benchtime 5x -benchmem
func BenchmarkRemarkSegmenter(b *testing.B) {
	random := randomRemarks(b, 10000)
	for _, n := range []int{15, 1000, 10000} {
		texts := demoRemarks
		if n > len(demoRemarks) {
			texts = random[:n]
		}
		b.Run(fmt.Sprintf("remarks-%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := remarkSegmenter(texts, DefaultRemarkTerms); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("whole", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := WholeDictionary(DefaultRemarkTerms); err != nil {
				b.Fatal(err)
			}
		}
	})
}
