package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/reqlog"
	"orderhub/model"
	"orderhub/service"
	"orderhub/service/insight"
	"orderhub/service/movein"
)

// zhError says in Chinese what went wrong with an action and how to do it
// right.
func zhError(err error) string {
	var missing *service.MissingFieldsError
	var tr *service.TransitionError
	var forbidden *service.ForbiddenError
	var inv *service.InvalidError
	var nf *service.NotFoundError
	switch {
	case errors.As(err, &missing):
		var names []string
		for _, f := range missing.Fields {
			names = append(names, fieldWord(f))
		}
		return "还缺：" + strings.Join(names, "、") + "，请填写后再推进"
	case errors.As(err, &tr):
		return "订单已不在原来的环节，请刷新后再操作"
	case errors.As(err, &forbidden):
		return "您的角色不能做这一步"
	case errors.As(err, &inv):
		return "输入有误（" + inv.Field + "）：" + inv.Message
	case errors.As(err, &nf):
		return "没有找到：" + nf.Key
	case errors.Is(err, service.ErrConflict):
		return "操作没有完成：" + err.Error()
	}
	return "操作失败：" + err.Error()
}

// fieldWord names a stage field in Chinese.
func fieldWord(f string) string {
	switch f {
	case "promised_at":
		return "承诺送达时间"
	case "qc_inspector":
		return "质检员"
	case "carrier":
		return "快递公司"
	case "tracking_no":
		return "运单号"
	case "waybill_photo":
		return "运单照片"
	}
	return f
}

// classify is fail's status mapping, for pages.
func classify(err error) (int, string) {
	switch {
	case errors.Is(err, service.ErrNotFound):
		return http.StatusNotFound, "没有找到"
	case errors.Is(err, service.ErrInvalid):
		return http.StatusUnprocessableEntity, "输入有误"
	case errors.Is(err, service.ErrForbidden):
		return http.StatusForbidden, "没有权限"
	case errors.Is(err, service.ErrConflict):
		return http.StatusConflict, "操作冲突"
	}
	return http.StatusInternalServerError, "内部错误"
}

// failPage answers an error as a page (or a fragment), in Chinese.
func (d *Dashboard) failPage(c *gin.Context, err error) {
	status, word := classify(err)
	msg := zhError(err)
	if status == http.StatusInternalServerError {
		d.d.Log.ErrorContext(c.Request.Context(), "dashboard", "err", err, "path", c.Request.URL.Path)
		msg = "内部错误（请求编号 " + reqlog.ID(c) + "）"
	}
	d.render(c, status, "error", gin.H{"Title": word, "Message": msg})
}

func (d *Dashboard) render(c *gin.Context, status int, name string, data gin.H) {
	if _, ok := data["Viewer"]; !ok {
		data["Viewer"] = viewerOf(c)
	}
	data["Poll"] = int(pollEvery / time.Millisecond)
	if name != "login" {
		data["FlashBad"], data["Flash"] = c.Query("error"), c.Query("done")
	}
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		d.d.Log.ErrorContext(c.Request.Context(), "render", "template", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("内部错误：页面渲染失败"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (d *Dashboard) funcs() template.FuncMap {
	loc := d.d.Location
	return template.FuncMap{
		"local": func(t time.Time) string { return t.In(loc).Format("01-02 15:04") },
		"localp": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.In(loc).Format("01-02 15:04")
		},
		"since": func(t time.Time) string { return service.Waited(d.d.Clock().Sub(t)) },
		// examplePromise is the promise a form's hint shows: three days
		// from today at 18:00, never a date already past.
		"examplePromise": func() string {
			t := d.d.Clock().In(loc).AddDate(0, 0, 3)
			return time.Date(t.Year(), t.Month(), t.Day(), 18, 0, 0, 0, loc).Format("2006-01-02 15:04")
		},
		"until": func(t *time.Time) string {
			if t == nil {
				return "不计时"
			}
			left := t.Sub(d.d.Clock())
			if left < 0 {
				return "超时 " + service.Waited(-left)
			}
			return "剩 " + service.Waited(left)
		},
		"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
		"used":  func(f float64) int { return min(int(f*100), 100) },
		"yuan":  func(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) },
		"field": fieldWord,
		"channel": func(c string) string {
			if n, ok := d.d.Channels[c]; ok {
				return n
			}
			return channelWord(c)
		},
		"channels": func() []string {
			keys := []string{service.ChannelMiniProgram, service.ChannelWeCom, service.ChannelAPI, service.ChannelSlip}
			var more []string
			for k := range d.d.Channels {
				more = append(more, k)
			}
			sort.Strings(more)
			return append(keys, more...)
		},
		"stage": func(key string) string { return d.d.Orders.Pipeline().Name(key) },
		"allocState": func(s string) string {
			if w := map[string]string{model.AllocActive: "占用中", model.AllocReleased: "已释放", model.AllocShipped: "已发出"}[s]; w != "" {
				return w
			}
			return s
		},
		// eventFields shows the fields given with a stage change, by their
		// Chinese names, times in the business's zone.
		"eventFields": func(raw string) string { return eventFields(raw, loc) },
		"fieldValue":  func(v any) string { return fieldValue(v, loc) },
		"flag":        flagWord,
		"ticketState": func(s string) string {
			return map[string]string{model.TicketOpen: "待接单", model.TicketAcknowledged: "处理中", model.TicketResolved: "已处理", model.TicketClosed: "已关闭"}[s]
		},
		// qset is a query with k set (or removed); a template.URL, so the
		// "=" and "&" stay as they are in an href.
		"qset": func(q, k, v string) template.URL {
			vals, _ := url.ParseQuery(q)
			vals.Del("page")
			if v == "" {
				vals.Del(k)
			} else {
				vals.Set(k, v)
			}
			return template.URL(vals.Encode())
		},
		"add":   func(a, b int) int { return a + b },
		"spark": func(n int) int { return min(2+n/2, 28) },
		"json": func(v any) string {
			b, _ := json.Marshal(v)
			return string(b)
		},
		"list": func(v ...string) []string { return v },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"pages": func(total int64, size int) int {
			return int((total + int64(size) - 1) / int64(size))
		},
	}
}

// stateWords are the board's words for each clock state of an order.
var stateWords = map[string]string{
	insight.StateEscalated: "已升级",
	insight.StateOverdue:   "已超时",
	insight.StateTicket:    "有异常",
	insight.StateTransfer:  "等调拨",
	insight.StateAtRisk:    "有风险",
	insight.StateOnTrack:   "正常",
}

// flagWord is how the board writes a row's clock state: the escalation
// with its level (已升级·二级), an open problem with whether someone took it
// on (有异常·待接单, 有异常·处理中), the others by their word.
func flagWord(f insight.Flag) string {
	switch f.Key {
	case insight.StateEscalated:
		return stateWords[f.Key] + "·" + []string{"", "一级", "二级", "三级", "四级", "五级"}[max(0, min(f.Level, 5))]
	case insight.StateTicket:
		if f.Unacked {
			return stateWords[f.Key] + "·待接单"
		}
		return stateWords[f.Key] + "·处理中"
	}
	return stateWords[f.Key]
}

func channelWord(c string) string {
	if w := movein.ChannelWords[c]; w != "" {
		return w
	}
	return c
}
