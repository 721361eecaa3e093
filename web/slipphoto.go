package web

import (
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// slipPhoto serves the photo of a paper slip an order was read from, to a
// board session: the link chat's 「订单」 reply gives, which a person can
// open (from WeCom through its login) where the staff API's
// /api/v1/intakes/{id}/photo wants a bearer token no browser has.
func (d *Dashboard) slipPhoto(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || d.d.Intakes == nil || d.d.DataDir == "" {
		writeErr(c, http.StatusNotFound, "no_photo", "没有这张订货单照片")
		return
	}
	v, err := d.d.Intakes.Get(c.Request.Context(), id)
	if err != nil {
		d.failPage(c, err)
		return
	}
	root, err := filepath.Abs(d.d.DataDir)
	if err != nil {
		d.failPage(c, err)
		return
	}
	p := filepath.Join(root, filepath.FromSlash(v.Photo))
	if v.Photo == "" || !strings.HasPrefix(p, root+string(filepath.Separator)) {
		writeErr(c, http.StatusNotFound, "no_photo", "没有这张订货单照片")
		return
	}
	c.File(p)
}
