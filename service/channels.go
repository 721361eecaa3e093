package service

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"orderhub/config"
	"orderhub/internal/apitime"
)

// ErrUnauthenticated is a request whose signature does not hold.
var ErrUnauthenticated = errors.New("unauthenticated")

// SignatureError refuses a channel request that is not signed right.
type SignatureError struct {
	code, Message string
}

func (e *SignatureError) Error() string { return e.Message }
func (e *SignatureError) Unwrap() error { return ErrUnauthenticated }
func (e *SignatureError) Code() string  { return e.code }

// SignatureWindow is how far a channel's timestamp may be from our clock.
const SignatureWindow = 5 * time.Minute

// Channel is one outside system that sends orders.
type Channel struct {
	Key, Name string
	secret    []byte
	// mapping is {their path: our field}, the preset with the channel's
	// fields applied.
	mapping map[string]string
	// envelopes are the wrappers the platform's API answers in (1688's
	// {"result":{…}}); a body in one is unwrapped before mapping.
	envelopes []string
}

// PresetEnvelopes are, per preset, the paths under which the platform's
// own API answer holds the order: a body carrying an object at one of them
// is mapped from that object, so the platform's answer can be forwarded as
// it comes (testdata/channels holds samples built from their documentation).
var PresetEnvelopes = map[string][]string{
	"1688":   {"result"},                 // alibaba.trade.get: {"result":{"baseInfo":…},"success":"true"}
	"douyin": {"data.shop_order_detail"}, // order.orderDetail: {"code":10000,"data":{"shop_order_detail":…}}
}

// Presets map the common export shapes onto the native order: {their JSON
// path: our field}. A path is dotted; "[]" walks each element of an array.
// docs/channels.md lists them, and a test checks it does.
var Presets = map[string]map[string]string{
	"native": {
		"external_id": "external_id", "customer.code": "customer.code", "customer.name": "customer.name", "customer.phone": "customer.phone",
		"address": "address", "remark": "remark", "promised_at": "promised_at",
		"lines[].sku": "lines[].sku", "lines[].code": "lines[].code", "lines[].name": "lines[].name", "lines[].qty": "lines[].qty",
	},
	// 1688 (alibaba.trade.get): the order detail's result object.
	"1688": {
		"baseInfo.idOfStr": "external_id", "baseInfo.buyerContact.companyName": "customer.name",
		"baseInfo.buyerContact.mobile": "customer.phone", "baseInfo.receiverInfo.toArea": "address",
		"baseInfo.remark":            "remark",
		"productItems[].cargoNumber": "lines[].sku", "productItems[].productID": "lines[].code",
		"productItems[].name": "lines[].name", "productItems[].quantity": "lines[].qty",
	},
	// Douyin shop (抖店 order.orderDetail): data.shop_order_detail.
	"douyin": {
		"order_id": "external_id", "post_receiver": "customer.name", "post_tel": "customer.phone",
		"post_addr.province.name": "address.province", "post_addr.city.name": "address.city",
		"post_addr.town.name": "address.district", "post_addr.detail": "address.detail",
		"buyer_words": "remark", "exp_ship_time": "promised_at",
		"sku_order_list[].code": "lines[].sku", "sku_order_list[].product_id": "lines[].code",
		"sku_order_list[].product_name": "lines[].name", "sku_order_list[].item_num": "lines[].qty",
	},
	// An offline POS ticket export.
	"pos": {
		"ticket_no": "external_id", "member.code": "customer.code", "member.name": "customer.name", "member.phone": "customer.phone",
		"delivery_address": "address", "note": "remark",
		"items[].item_code": "lines[].sku", "items[].barcode": "lines[].code", "items[].item_name": "lines[].name", "items[].qty": "lines[].qty",
	},
}

// NewChannels builds the channels config declares. A channel's fields
// replace the preset's mapping of the same field of ours.
func NewChannels(cfg map[string]config.Channel) map[string]*Channel {
	out := make(map[string]*Channel, len(cfg))
	for key, c := range cfg {
		preset := c.Preset
		if preset == "" {
			preset = "native"
		}
		m := map[string]string{}
		for from, to := range Presets[preset] {
			m[from] = to
		}
		for from, to := range c.Fields {
			for f, t := range m {
				if t == to {
					delete(m, f)
				}
			}
			m[from] = to
		}
		name := c.Name
		if name == "" {
			name = key
		}
		out[key] = &Channel{Key: key, Name: name, secret: []byte(c.Secret), mapping: m, envelopes: PresetEnvelopes[preset]}
	}
	return out
}

// Sign returns the signature of body at timestamp ts under secret: lowercase
// hex HMAC-SHA256 of ts + "\n" + body.
func Sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("\n"))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// verify checks a request's timestamp and signature.
func (c *Channel) verify(now time.Time, ts, sig string, body []byte) error {
	if ts == "" || sig == "" {
		return &SignatureError{CodeSignatureMissing, "缺少 X-Orderhub-Timestamp 或 X-Orderhub-Signature"}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return &SignatureError{CodeBadTimestamp, "X-Orderhub-Timestamp 须为 unix 秒"}
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureWindow || d < -SignatureWindow {
		return &SignatureError{CodeStaleTimestamp, "X-Orderhub-Timestamp 与服务器时间相差超过 5 分钟（现在 " + strconv.FormatInt(now.Unix(), 10) + "）"}
	}
	want := Sign(c.secret, ts, body)
	got := strings.ToLower(strings.TrimSpace(sig))
	if !hmac.Equal([]byte(want), []byte(got)) {
		return &SignatureError{CodeBadSignature, "X-Orderhub-Signature 不对：应为 hex HMAC-SHA256(secret, timestamp + \"\\n\" + body)"}
	}
	return nil
}

// canonicalHash hashes a JSON body in an unambiguous encoding: decoded and
// re-encoded with sorted keys and no spaces, so that a retry which only
// reorders keys or re-indents is the same request, and no two different
// requests share an encoding (unlike joining fields with a separator).
func canonicalHash(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// fieldFor is the channel's own name of our field to (exp_ship_time for
// Douyin's promised_at), for refusals the channel's developers can act on.
func (c *Channel) fieldFor(to string) string {
	for from, t := range c.mapping {
		if t == to {
			return from
		}
	}
	return to
}

// mapBody reads a channel's body into the native order through its mapping.
func (c *Channel) mapBody(body []byte, loc *time.Location) (IntakeDoc, error) {
	var doc IntakeDoc
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return doc, invalid("body", CodeMalformedJSON, "JSON 格式错误：%v", err)
	}
	if dec.More() {
		return doc, invalid("body", CodeMalformedJSON, "请求体含有不止一个 JSON 值")
	}
	if _, ok := root.(map[string]any); !ok {
		return doc, invalid("body", CodeMalformedJSON, "请求体须为 JSON 对象")
	}
	for _, env := range c.envelopes {
		if inner, ok := lookupPath(root, env).(map[string]any); ok {
			root = inner
			break
		}
	}
	var addr [4]string
	for from, to := range c.mapping {
		if arr, sub, ok := strings.Cut(from, "[]"); ok {
			items, _ := lookupPath(root, arr).([]any)
			if len(doc.Lines) < len(items) {
				doc.Lines = append(doc.Lines, make([]IntakeLine, len(items)-len(doc.Lines))...)
			}
			for i, it := range items {
				v := lookupPath(it, strings.TrimPrefix(sub, "."))
				if err := setLine(&doc.Lines[i], to, v, fmt.Sprintf("%s[%d]%s", arr, i, sub)); err != nil {
					return doc, err
				}
			}
			continue
		}
		v := lookupPath(root, from)
		if v == nil {
			continue
		}
		s, err := scalar(v, from)
		if err != nil {
			return doc, err
		}
		switch to {
		case "external_id":
			doc.ExternalID = s
		case "customer.code":
			doc.Customer.Code = s
		case "customer.name":
			doc.Customer.Name = s
		case "customer.phone":
			doc.Customer.Phone = s
		case "address":
			doc.AddressText = s
		case "address.province":
			addr[0] = s
		case "address.city":
			addr[1] = s
		case "address.district":
			addr[2] = s
		case "address.detail":
			addr[3] = s
		case "remark":
			doc.Remark = s
		case "promised_at":
			t, err := parseTime(s, loc)
			if err != nil {
				return doc, invalid(from, CodeInvalidTime, "%q 不是时间，应写成 2026-12-01T10:00:00+08:00", s)
			}
			doc.PromisedAt = &t
		}
	}
	if doc.AddressText == "" {
		doc.AddressText = strings.Join(nonEmpty(addr[:]), " ")
	}
	return doc, nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

func setLine(l *IntakeLine, to string, v any, path string) error {
	if v == nil {
		return nil
	}
	if to == "lines[].qty" {
		var n int64
		var err error
		switch x := v.(type) {
		case json.Number:
			n, err = wholeNumber(x.String())
		case string:
			n, err = wholeNumber(strings.TrimSpace(x))
		default:
			err = errors.New("not a number")
		}
		if err != nil {
			return invalid(path, CodeInvalidQty, "须为整数")
		}
		l.Qty = n
		return nil
	}
	s, err := scalar(v, path)
	if err != nil {
		return err
	}
	switch to {
	case "lines[].sku":
		l.SKU = s
	case "lines[].code":
		l.Code = s
	case "lines[].name":
		l.Name = s
	}
	return nil
}

// wholeNumber reads a quantity: 1688 writes its BigDecimal quantities as
// 4 or 4.0; 4.5 is not a quantity.
func wholeNumber(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if i, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" {
		return strconv.ParseInt(i, 10, 64)
	}
	return 0, errors.New("not a whole number")
}

// scalar reads a string or number as text (ids are numbers in 1688's JSON).
func scalar(v any, path string) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", invalid(path, CodeInvalidType, "须为字符串或数字")
}

func lookupPath(v any, path string) any {
	if path == "" {
		return v
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// parseTime reads a channel's time: what apitime.ParseLocal reads, a
// time written without a zone being local time in loc (the configured
// zone: channels in the mainland write local time) and a date alone its
// start, or Unix seconds.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := apitime.ParseLocal(s, loc, 0); err == nil {
		return t, nil
	}
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil && sec > 1e9 {
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Time{}, errors.New("bad time")
}
