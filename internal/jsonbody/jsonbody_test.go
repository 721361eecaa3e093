package jsonbody

import (
	"encoding/json"
	"strings"
	"testing"
)

type order struct {
	Customer string `json:"customer"`
	Lines    []struct {
		Qty int64 `json:"qty"`
	} `json:"lines"`
}

func TestExplainNamesFieldNotGoType(t *testing.T) {
	for _, tc := range []struct {
		body, field string
		want        []string
	}{
		{`[1]`, "", []string{"请求体", "须为对象", "收到数组"}},
		{`{"customer":[]}`, "customer", []string{"customer", "须为字符串", "收到数组"}},
		{`{"lines":[{"qty":"3"}]}`, "lines.qty", []string{"lines.qty", "须为整数", "收到字符串"}},
		{`{"x":1}`, "x", []string{"x", "没有这个字段"}},
		{`{"customer":`, "", []string{"JSON"}},
	} {
		var v order
		dec := json.NewDecoder(strings.NewReader(tc.body))
		dec.DisallowUnknownFields()
		p := Explain(dec.Decode(&v))
		if p.Field != tc.field || strings.Contains(p.Message, "jsonbody.") || strings.Contains(p.Message, "int64") || strings.Contains(p.Message, "Go ") {
			t.Errorf("%s: %+v", tc.body, p)
		}
		for _, w := range tc.want {
			if !strings.Contains(p.Message, w) {
				t.Errorf("%s: %q lacks %q", tc.body, p.Message, w)
			}
		}
	}
}

func TestInt(t *testing.T) {
	for raw, want := range map[string]bool{`3`: true, `-2`: true, `"3"`: false, `1.5`: false, `3.0`: false, `1e3`: false, ``: false, `null`: false} {
		if _, ok := Int(json.RawMessage(raw)); ok != want {
			t.Errorf("Int(%s) ok = %v, want %v", raw, ok, want)
		}
	}
}
