package miniprogram

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/internal/httpstatus"
	"orderhub/internal/jsonbody"
	"orderhub/internal/reqlog"
	"orderhub/service"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the input at fault, on validation errors.
	Field string `json:"field,omitempty"`
	// Available lists what stock there is, on insufficient_stock.
	Available []shortageJSON `json:"available,omitempty"`
	// WeChatErrcode is WeChat's errcode when a WeChat call failed.
	WeChatErrcode int64 `json:"wechat_errcode,omitempty"`
}

type shortageJSON struct {
	SKU       string `json:"sku"`
	Want      int64  `json:"want"`
	Available int64  `json:"available"`
}

func writeErr(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// fail maps any error to a status and a JSON body, once, here. Errors
// service does not know are logged in full and answered without detail.
func (a *API) fail(c *gin.Context, err error) {
	d := errorDetail{Code: service.ErrorCode(err), Message: err.Error()}
	status := httpstatus.Of(err)
	var inv *service.InvalidError
	if errors.As(err, &inv) {
		d.Field = inv.Field
	}
	if zh := buyerMessage(err); zh != "" {
		d.Message = zh
	}
	var short *service.ShortError
	if errors.As(err, &short) {
		for _, l := range short.Lines {
			d.Available = append(d.Available, shortageJSON{SKU: l.SKU, Want: l.Want, Available: l.Available})
		}
	}
	var wx *WeChatError
	if errors.As(err, &wx) {
		status = http.StatusUnauthorized
		d = errorDetail{Code: "wechat_login_failed", Message: "微信登录失败：" + wx.Error(), WeChatErrcode: wx.Code}
	}
	if errors.Is(err, ErrWeChatUnavailable) {
		a.d.Log.WarnContext(c, "wechat unavailable", "err", err)
		status = http.StatusBadGateway
		d = errorDetail{Code: "wechat_unavailable", Message: "暂时无法连接微信，请稍后再试"}
	}
	if status == http.StatusInternalServerError {
		a.d.Log.ErrorContext(c, "request failed", "err", err, "path", c.Request.URL.Path)
		d = errorDetail{Code: "internal", Message: "服务器内部错误（请求编号 " + reqlog.ID(c) + "）"}
	}
	c.AbortWithStatusJSON(status, errorBody{Error: d})
}

// bind decodes a JSON body into v, refusing unknown fields so that a typo
// is an error rather than a silently ignored value. It answers 400 (or 413)
// itself and returns false on bad input.
func bind(c *gin.Context, v any) bool { return decode(c, v, false) }

// bindOptional binds a body when there is one: cancel and confirm may be
// posted empty.
func bindOptional(c *gin.Context, v any) bool { return decode(c, v, true) }

func decode(c *gin.Context, v any, emptyOK bool) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if emptyOK && errors.Is(err, io.EOF) {
		return true
	}
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return true
	}
	p := jsonbody.Explain(err)
	c.AbortWithStatusJSON(p.Status, errorBody{Error: errorDetail{Code: p.Code, Field: p.Field, Message: p.Message}})
	return false
}
