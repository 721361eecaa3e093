package web

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// kuaidi100Max bounds a push's param: a parcel's whole tracking history is
// a few kilobytes.
const kuaidi100Max = 256 << 10

// MountCarriers serves 快递100's tracking push (subscribe/push protocol):
// POST /api/v1/carriers/kuaidi100/callback, a form with param (the
// tracking, JSON) and sign = upper(md5(param + salt)). A push whose state
// is 3 (签收) records the order delivered at the carrier's time. Without a
// salt it answers 404: no push can be verified.
func (s *Server) MountCarriers(orders *service.Orders, salt string) {
	s.engine.POST("/api/v1/carriers/kuaidi100/callback", func(c *gin.Context) {
		if salt == "" {
			kuaidi100Fail(c, http.StatusNotFound, "carrier_off", "未配置快递100 推送（carriers.kuaidi100.salt）")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, kuaidi100Max)
		param, sign := c.PostForm("param"), c.PostForm("sign")
		if param == "" {
			kuaidi100Fail(c, http.StatusBadRequest, "invalid", "缺少 param（快递100 推送的 JSON）")
			return
		}
		sum := md5.Sum([]byte(param + salt))
		want := strings.ToUpper(hex.EncodeToString(sum[:]))
		if subtle.ConstantTimeCompare([]byte(strings.ToUpper(sign)), []byte(want)) != 1 {
			kuaidi100Fail(c, http.StatusUnauthorized, "bad_signature", "sign 与 param 不符（md5(param + salt) 大写）")
			return
		}
		var p struct {
			LastResult struct {
				Nu    string `json:"nu"`
				State string `json:"state"`
				Data  []struct {
					Context string `json:"context"`
					Ftime   string `json:"ftime"`
				} `json:"data"`
			} `json:"lastResult"`
		}
		if err := json.Unmarshal([]byte(param), &p); err != nil || p.LastResult.Nu == "" {
			kuaidi100Fail(c, http.StatusBadRequest, "invalid", "param 不是快递100 的推送（需要 lastResult.nu）")
			return
		}
		lr := p.LastResult
		// 3 is 签收; 301/302/304 are its kinds (本人/代收/派件柜) in the
		// advanced states. Anything else is on the way: nothing to record.
		if lr.State != "3" && !strings.HasPrefix(lr.State, "30") {
			c.JSON(http.StatusOK, gin.H{"result": true, "returnCode": "200", "message": "成功"})
			return
		}
		at := time.Time{}
		note := ""
		if len(lr.Data) > 0 {
			// Newest first, in the carrier's (China's) local time.
			if t, err := time.ParseInLocation("2006-01-02 15:04:05", lr.Data[0].Ftime, s.d.Location); err == nil {
				at = t.UTC()
			}
			note = lr.Data[0].Context
		}
		if _, err := orders.CarrierSigned(c.Request.Context(), "快递100", lr.Nu, at, note); err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"result": true, "returnCode": "200", "message": "成功"})
	})
}

func kuaidi100Fail(c *gin.Context, status int, code, msg string) {
	c.JSON(status, gin.H{"result": false, "returnCode": "500", "message": msg, "error": gin.H{"code": code, "message": msg}})
}
