package miniprogram

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apierror"
)

// errorBody and errorDetail are the edges' one error answer (apierror).
type (
	errorBody   = apierror.Body
	errorDetail = apierror.Detail
)

func writeErr(c *gin.Context, status int, code, msg string) { apierror.Write(c, status, code, msg) }

// fail maps any error to a status and a JSON body, once, here: what
// every edge answers (apierror), in the buyers' words, and WeChat's
// failures. Errors service does not know are logged in full and answered
// without detail.
func (a *API) fail(c *gin.Context, err error) {
	status, d := apierror.Describe(err)
	if zh := buyerMessage(err); zh != "" {
		d.Message = zh
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
	apierror.Answer(c, a.d.Log, err, status, d)
}

// bind decodes a JSON body into v, refusing unknown fields so that a typo
// is an error rather than a silently ignored value. It answers 400 (or 413)
// itself and returns false on bad input.
func bind(c *gin.Context, v any) bool { return decode(c, v, false) }

// bindOptional binds a body when there is one: cancel and confirm may be
// posted empty.
func bindOptional(c *gin.Context, v any) bool { return decode(c, v, true) }

func decode(c *gin.Context, v any, emptyOK bool) bool { return apierror.Bind(c, v, emptyOK) }
