package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// back returns to where an action was taken, saying what happened.
func (d *Dashboard) back(c *gin.Context, to string, err error, done string) {
	if err != nil {
		if status, _ := classify(err); status == http.StatusInternalServerError {
			d.failPage(c, err)
			return
		}
		to = addQuery(to, "error", zhError(err))
	} else {
		to = addQuery(to, "done", done)
	}
	if c.GetHeader("X-Board-Action") != "" {
		c.JSON(http.StatusOK, gin.H{"redirect": to})
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}

func addQuery(to, k, v string) string {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return to + sep + k + "=" + url.QueryEscape(v)
}

// returnTo is where an action goes back to: the page it was taken on.
func returnTo(c *gin.Context, fallback string) string {
	if r := c.PostForm("return"); r != "" {
		return safeNext(r)
	}
	return fallback
}

func (d *Dashboard) advance(c *gin.Context) {
	no := c.Param("no")
	// The waybill photo is a file chosen on the form: stored and attached
	// as the staff API's upload is, before the move that needs it.
	if fh, err := c.FormFile(service.FieldWaybillPhoto); err == nil {
		if err := d.attachWaybill(c, no, fh); err != nil {
			d.back(c, returnTo(c, "/dashboard/orders/"+url.PathEscape(no)), err, "")
			return
		}
	}
	fields := map[string]string{}
	for k, vs := range c.Request.PostForm {
		if f, ok := strings.CutPrefix(k, "field."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			fields[f] = strings.TrimSpace(vs[0])
		}
	}
	_, err := d.d.Orders.Advance(c.Request.Context(), service.Move{No: no, To: c.PostForm("to"), Fields: fields, Actor: viewerOf(c).Actor, Note: c.PostForm("note")})
	d.back(c, returnTo(c, "/dashboard/orders/"+url.PathEscape(no)), err, "已推进")
}

// attachWaybill stores a waybill photo sent with the board's advance form
// and attaches it to the order.
func (d *Dashboard) attachWaybill(c *gin.Context, no string, fh *multipart.FileHeader) error {
	if d.d.DataDir == "" {
		return &service.InvalidError{Field: "photo", Message: "暂不能上传照片：服务器未配置数据目录"}
	}
	ctx := c.Request.Context()
	det, err := d.d.Orders.Get(ctx, no)
	if err != nil {
		return err
	}
	rel, err := storeWaybill(d.d.DataDir, det.Order.No, fh)
	var ref *photoRefusal
	if errors.As(err, &ref) {
		return &service.InvalidError{Field: "photo", Message: ref.msg}
	}
	if err != nil {
		return err
	}
	if _, err := d.d.Orders.Attach(ctx, det.Order.No, service.FieldWaybillPhoto, rel, viewerOf(c).Actor); err != nil {
		_ = os.Remove(filepath.Join(d.d.DataDir, filepath.FromSlash(rel)))
		return err
	}
	return nil
}

func (d *Dashboard) ack(c *gin.Context) {
	_, err := d.d.Tickets.Ack(c.Request.Context(), c.Param("no"), viewerOf(c).Actor, nil)
	d.back(c, returnTo(c, "/dashboard/tickets"), err, "已接单 "+c.Param("no"))
}

func (d *Dashboard) resolve(c *gin.Context) {
	_, err := d.d.Tickets.Resolve(c.Request.Context(), c.Param("no"), c.PostForm("note"), viewerOf(c).Actor, nil)
	d.back(c, returnTo(c, "/dashboard/tickets"), err, "已处理 "+c.Param("no"))
}

func (d *Dashboard) receive(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		d.back(c, "/dashboard/transfers", &service.InvalidError{Field: "id", Message: "调拨单号应为数字"}, "")
		return
	}
	_, err = d.d.Transfers.Receive(c.Request.Context(), id, viewerOf(c).Actor)
	d.back(c, returnTo(c, "/dashboard/transfers"), err, fmt.Sprintf("调拨 #%d 已收货", id))
}
