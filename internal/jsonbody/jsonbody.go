// Package jsonbody explains why a JSON request body could not be decoded,
// in the words of the API (the field's JSON name and the JSON kind it
// expects), in Chinese with English — never a Go type name — and reads
// integers exactly as docs/openapi.yaml defines them. Both HTTP edges
// (web, miniprogram) use it, so they answer bad bodies alike.
package jsonbody

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Problem is a refused body: the HTTP status, the error code and the
// message to answer with.
type Problem struct {
	Status  int
	Code    string
	Field   string // the JSON field, dotted ("lines.qty"); "" for the body
	Message string
}

// kind names a Go type by the JSON it is read from.
func kind(t reflect.Type) string {
	if t == nil {
		return "值"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(json.Number("")) {
		return "数字"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "对象"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	}
	return "值"
}

// Explain turns a decode error into the Problem to answer.
func Explain(err error) Problem {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		return Problem{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Message: fmt.Sprintf("请求体超过 %d 字节 request body over %d bytes", tooBig.Limit, tooBig.Limit)}
	case errors.Is(err, io.EOF):
		return Problem{Status: http.StatusBadRequest, Code: "malformed_json", Message: "请求体为空，请发送 JSON 对象"}
	case errors.As(err, &typeErr):
		want := kind(typeErr.Type)
		if typeErr.Field == "" {
			return Problem{Status: http.StatusBadRequest, Code: "malformed_json",
				Message: fmt.Sprintf("请求体须为%s，收到%s", want, valueZh(typeErr.Value))}
		}
		return Problem{Status: http.StatusBadRequest, Code: "malformed_json", Field: typeErr.Field,
			Message: fmt.Sprintf("%s: 须为%s，收到%s", typeErr.Field, want, valueZh(typeErr.Value))}
	case errors.As(err, &syntax):
		return Problem{Status: http.StatusBadRequest, Code: "malformed_json",
			Message: fmt.Sprintf("JSON 格式错误（第 %d 字节）", syntax.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{Status: http.StatusBadRequest, Code: "malformed_json", Message: "JSON 不完整：请求体提前结束"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		f = strings.Trim(f, `"`)
		return Problem{Status: http.StatusBadRequest, Code: "malformed_json", Field: f,
			Message: fmt.Sprintf("%s: 没有这个字段", f)}
	}
	return Problem{Status: http.StatusBadRequest, Code: "malformed_json", Message: "JSON 无法解析：" + msg}
}

// english is the English half of a kind ("整数" → "integer").
func english(k string) string {
	_, en, _ := strings.Cut(k, " ")
	return en
}

// valueZh names the JSON value encoding/json found ("array", "number 3.5").
func valueZh(v string) string {
	kind, rest, _ := strings.Cut(v, " ")
	zh, ok := map[string]string{"array": "数组", "object": "对象", "string": "字符串", "number": "数字", "bool": "布尔值"}[kind]
	if !ok {
		return " " + v
	}
	if rest != "" {
		return zh + " " + rest
	}
	return zh
}

// Time reads an optional RFC 3339 time string: absent or null is nil.
func Time(raw json.RawMessage) (*time.Time, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, true
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, false
	}
	return &t, true
}

// Int reads a JSON integer as docs/openapi.yaml defines one: a number
// without fraction or exponent — not a string holding digits, not 3.0.
func Int(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s[0] == '"' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
