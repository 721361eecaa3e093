package miniprogram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/model"
	"orderhub/service"
)

// Photos of a reported problem: the buyer uploads them (wx.uploadFile, one
// multipart file per request) after opening the ticket; staff fetch them
// through the staff API. They are files under the data dir,
// <data>/problem-photos/<ticket no>/<n>.<ext>, like the waybill photos.
const (
	// MaxPhotoBytes caps one photo. WeChat's chooseMedia compresses to
	// well under this.
	MaxPhotoBytes = 5 << 20
	// MaxPhotos caps the photos on one ticket.
	MaxPhotos = 6
	photoDir  = "problem-photos"
)

// DefaultPhotoQuota is what one buyer may upload across all their problems:
// 30 photos and 60 MiB an hour (one photo is at most 5 MiB, six on a
// problem). Counted in the database (service.Buyers.ReservePhoto), so it
// holds on every instance with Redis up or down.
var DefaultPhotoQuota = service.PhotoQuota{Count: 30, Bytes: 60 << 20, Window: time.Hour}

func (a *API) photoQuota() service.PhotoQuota {
	q := a.d.PhotoQuota
	if q.Count <= 0 {
		q.Count = DefaultPhotoQuota.Count
	}
	if q.Bytes <= 0 {
		q.Bytes = DefaultPhotoQuota.Bytes
	}
	if q.Window <= 0 {
		q.Window = DefaultPhotoQuota.Window
	}
	return q
}

var photoExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

// ticketNoRe is what a ticket number looks like, so it is safe as a
// directory name.
var ticketNoRe = regexp.MustCompile(`^TK[0-9]{8}-[0-9]{1,12}$`)

var photoNameRe = regexp.MustCompile(`^[0-9]{1,2}\.(jpg|png|webp|gif)$`)

type photoJSON struct {
	Name       string `json:"name"`
	Size       int64  `json:"size"`
	UploadedAt string `json:"uploaded_at"`
	URL        string `json:"url,omitempty"`
}

// mountPhotos adds the photo routes: the buyer's upload in a group of its
// own, outside the 64 KiB body cap of the other buyer routes.
func (a *API) mountPhotos(e *gin.Engine, staff *gin.RouterGroup) {
	up := e.Group("/api/mp/v1", limitBody(MaxPhotoBytes+64<<10), a.auth, a.rateLimit)
	up.POST("/orders/:no/problems/:ticket/photos", a.uploadPhoto)
	staff.GET("/tickets/:no/photos", a.listPhotos)
	staff.GET("/tickets/:no/photos/:name", a.getPhoto)
}

func (a *API) photoDirOf(ticketNo string) string {
	return filepath.Join(a.d.DataDir, photoDir, ticketNo)
}

// uploadPhoto stores one photo on a problem the buyer reported on their
// order.
func (a *API) uploadPhoto(c *gin.Context) {
	if a.d.DataDir == "" {
		writeErr(c, http.StatusServiceUnavailable, "photos_unavailable", "暂不能上传照片：服务器未配置数据目录")
		return
	}
	ctx := c.Request.Context()
	b := buyer(c)
	d, err := a.d.Orders.GetFor(ctx, c.Param("no"), b.Actor())
	if err != nil {
		a.fail(c, err)
		return
	}
	tno := strings.ToUpper(strings.TrimSpace(c.Param("ticket")))
	notFound := func() {
		writeErr(c, http.StatusNotFound, "ticket_not_found", "找不到您在这个订单上报告的问题 "+tno)
	}
	if !ticketNoRe.MatchString(tno) {
		notFound()
		return
	}
	tk, err := a.d.Tickets.Get(ctx, tno)
	if errors.Is(err, service.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	// Only the buyer who reported it adds photos, and only to that order's problem.
	if tk.Kind != model.TicketCustomerProblem || tk.OrderNo != d.Order.No || tk.ReporterBuyerID == nil || *tk.ReporterBuyerID != b.ID {
		notFound()
		return
	}
	if tk.State == model.TicketClosed {
		writeErr(c, http.StatusConflict, "ticket_closed", "问题已关闭，不能再上传照片")
		return
	}
	fh, err := c.FormFile("photo")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(c, http.StatusRequestEntityTooLarge, "photo_too_large", fmt.Sprintf("照片不能超过 %d MB photo over %d bytes", MaxPhotoBytes>>20, MaxPhotoBytes))
			return
		}
		c.AbortWithStatusJSON(http.StatusBadRequest, errorBody{Error: errorDetail{Code: "photo_required", Field: "photo",
			Message: "请用表单字段 photo 上传一张照片"}})
		return
	}
	if fh.Size > MaxPhotoBytes {
		writeErr(c, http.StatusRequestEntityTooLarge, "photo_too_large", fmt.Sprintf("照片不能超过 %d MB photo over %d bytes", MaxPhotoBytes>>20, MaxPhotoBytes))
		return
	}
	f, err := fh.Open()
	if err != nil {
		a.fail(c, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPhotoBytes+1))
	if err != nil {
		a.fail(c, err)
		return
	}
	ext, ok := photoExt[http.DetectContentType(data)]
	if !ok || len(data) == 0 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: "not_an_image", Field: "photo",
			Message: "只能上传 JPG、PNG、WebP 或 GIF 图片"}})
		return
	}
	q := a.photoQuota()
	reserved, err := a.d.Buyers.ReservePhoto(ctx, b.ID, tk.No, int64(len(data)), q)
	var over *service.QuotaError
	if errors.As(err, &over) {
		mins := int64((over.RetryAfter + time.Minute - 1) / time.Minute)
		c.Header("Retry-After", strconv.FormatInt(int64((over.RetryAfter+time.Second-1)/time.Second), 10))
		writeErr(c, http.StatusTooManyRequests, service.CodePhotoQuota, fmt.Sprintf(
			"上传的照片太多了：每位买家每 %s 最多 %d 张、共 %d MB，请 %d 分钟后再传 photo quota: at most %d photos and %d MiB per %v",
			zhDuration(q.Window), q.Count, q.Bytes>>20, mins, q.Count, q.Bytes>>20, q.Window))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	kept := false
	defer func() {
		if !kept {
			if err := a.d.Buyers.CancelPhoto(context.WithoutCancel(ctx), reserved); err != nil {
				a.d.Log.WarnContext(ctx, "photo quota: could not undo a reservation", "id", reserved, "err", err)
			}
		}
	}()
	dir := a.photoDirOf(tk.No)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		a.fail(c, err)
		return
	}
	// O_EXCL picks the next free number, also when two uploads race.
	var name string
	for n := 1; ; n++ {
		if n > MaxPhotos {
			writeErr(c, http.StatusConflict, "too_many_photos", fmt.Sprintf("每个问题最多 %d 张照片", MaxPhotos))
			return
		}
		if matches, _ := filepath.Glob(filepath.Join(dir, strconv.Itoa(n)+".*")); len(matches) > 0 {
			continue
		}
		name = strconv.Itoa(n) + ext
		out, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			a.fail(c, err)
			return
		}
		_, werr := out.Write(data)
		if cerr := out.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(filepath.Join(dir, name))
			a.fail(c, werr)
			return
		}
		kept = true
		break
	}
	photos, err := a.photos(tk.No)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.d.Log.InfoContext(c, "problem photo uploaded", "ticket", tk.No, "order", d.Order.No, "name", name, "bytes", len(data))
	c.JSON(http.StatusCreated, gin.H{"photo": photoJSON{Name: name, Size: int64(len(data)), UploadedAt: a.ts(a.d.Orders.Now())}, "count": len(photos)})
}

// photos lists a ticket's photos, oldest first.
func (a *API) photos(ticketNo string) ([]photoJSON, error) {
	entries, err := os.ReadDir(a.photoDirOf(ticketNo))
	if errors.Is(err, os.ErrNotExist) {
		return []photoJSON{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []photoJSON{}
	for _, e := range entries {
		if e.IsDir() || !photoNameRe.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		out = append(out, photoJSON{Name: e.Name(), Size: info.Size(), UploadedAt: a.ts(info.ModTime())})
	}
	sort.Slice(out, func(i, j int) bool {
		ni, _ := strconv.Atoi(strings.SplitN(out[i].Name, ".", 2)[0])
		nj, _ := strconv.Atoi(strings.SplitN(out[j].Name, ".", 2)[0])
		return ni < nj
	})
	return out, nil
}

// staffTicket reads the ticket of the staff route, answering 404 itself.
func (a *API) staffTicket(c *gin.Context) (service.TicketView, bool) {
	tno := strings.ToUpper(strings.TrimSpace(c.Param("no")))
	if !ticketNoRe.MatchString(tno) {
		writeErr(c, http.StatusNotFound, "ticket_not_found", "工单 "+tno+" 不存在")
		return service.TicketView{}, false
	}
	tk, err := a.d.Tickets.Get(c.Request.Context(), tno)
	if err != nil {
		a.fail(c, err)
		return service.TicketView{}, false
	}
	return tk, true
}

// listPhotos lists the photos a buyer attached to a ticket (staff API).
func (a *API) listPhotos(c *gin.Context) {
	tk, ok := a.staffTicket(c)
	if !ok {
		return
	}
	ps, err := a.photos(tk.No)
	if err != nil {
		a.fail(c, err)
		return
	}
	for i := range ps {
		ps[i].URL = "/api/v1/tickets/" + tk.No + "/photos/" + ps[i].Name
	}
	c.JSON(http.StatusOK, gin.H{"items": ps})
}

// getPhoto serves one photo (staff API).
func (a *API) getPhoto(c *gin.Context) {
	tk, ok := a.staffTicket(c)
	if !ok {
		return
	}
	name := c.Param("name")
	if !photoNameRe.MatchString(name) {
		writeErr(c, http.StatusNotFound, "photo_not_found", "照片不存在")
		return
	}
	full := filepath.Join(a.photoDirOf(tk.No), name)
	if _, err := os.Stat(full); err != nil {
		writeErr(c, http.StatusNotFound, "photo_not_found", "照片不存在")
		return
	}
	c.Header("Cache-Control", "private, max-age=3600")
	c.File(full)
}

// zhDuration says a quota window in Chinese: 1 小时, 30 分钟.
func zhDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + " 小时"
	}
	return strconv.FormatInt(int64((d+time.Minute-1)/time.Minute), 10) + " 分钟"
}
