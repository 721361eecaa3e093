package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apierror"
	"orderhub/service"
)

// MaxWaybillBytes caps one waybill photo uploaded through the staff API
// or the board: a phone photo, as for a buyer's problem photo.
const MaxWaybillBytes = 5 << 20

// waybillUpload is a route that may carry a waybill photo, whose body is
// bigger than MaxBody: the staff API's upload and the board's advance.
func waybillUpload(c *gin.Context) bool {
	p := c.Request.URL.Path
	if c.Request.Method != http.MethodPost {
		return false
	}
	return strings.HasPrefix(p, "/api/v1/orders/") && strings.HasSuffix(p, "/waybill_photo") && strings.Count(p, "/") == 5 ||
		strings.HasPrefix(p, "/dashboard/orders/") && strings.HasSuffix(p, "/advance") && strings.Count(p, "/") == 4
}

var waybillExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// uploadWaybill stores a waybill photo (multipart field photo, optional
// by) and attaches it to the order, as chat's 附件 and a photo do: the
// move to shipped then needs no waybill_photo, and one given must name a
// photo so attached (anything else is refused 422 naming waybill_photo).
func (s *Server) uploadWaybill(c *gin.Context) {
	if s.dataDir == "" {
		writeErr(c, http.StatusServiceUnavailable, "photos_unavailable", "暂不能上传照片：服务器未配置数据目录")
		return
	}
	actor, ok := s.actor(c, c.PostForm("by"))
	if !ok {
		return
	}
	fh, err := c.FormFile("photo")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(c, http.StatusRequestEntityTooLarge, service.CodePhotoTooLarge, fmt.Sprintf("照片不能超过 %d MB", MaxWaybillBytes>>20))
			return
		}
		apierror.Answer(c, s.d.Log, err, http.StatusBadRequest, apierror.Detail{Code: "photo_required", Field: "photo",
			Message: "请用表单字段 photo（multipart/form-data）上传运单照片"})
		return
	}
	ctx := c.Request.Context()
	// The order first: nothing is written for one that does not exist.
	d, err := s.d.Orders.Get(ctx, c.Param("no"))
	if err != nil {
		s.fail(c, err)
		return
	}
	rel, err := storeWaybill(s.dataDir, d.Order.No, fh)
	if err != nil {
		photoFail(c, s.d.Log, err)
		return
	}
	if _, err := s.d.Orders.Attach(ctx, d.Order.No, service.FieldWaybillPhoto, rel, actor); err != nil {
		_ = os.Remove(filepath.Join(s.dataDir, filepath.FromSlash(rel)))
		s.fail(c, err)
		return
	}
	if d, err = s.d.Orders.Get(ctx, d.Order.No); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{service.FieldWaybillPhoto: rel, "order": s.detail(d)})
}

// photoFail answers a photo storeWaybill refused, naming the form field
// photo, or any other error.
func photoFail(c *gin.Context, log *slog.Logger, err error) {
	var ref *photoRefusal
	var pe *service.PhotoError
	switch {
	case errors.As(err, &ref):
		apierror.Answer(c, log, err, ref.status, apierror.Detail{Code: ref.code, Field: "photo", Message: ref.msg})
	case errors.As(err, &pe):
		apierror.Answer(c, log, err, http.StatusUnprocessableEntity, apierror.Detail{Code: pe.Code(), Field: "photo", Message: pe.Message})
	default:
		fail(c, log, err)
	}
}

// storeWaybill checks an uploaded photo (size, format, pixels: its header
// only, nothing decoded) and writes it under dataDir/waybills/<no>/,
// returning its path relative to dataDir (what the order's waybill_photo
// holds, as for a photo sent in chat). Nothing is written for a refusal.
func storeWaybill(dataDir, no string, fh *multipart.FileHeader) (string, error) {
	if fh.Size > MaxWaybillBytes {
		return "", &photoRefusal{status: http.StatusRequestEntityTooLarge, code: service.CodePhotoTooLarge, msg: fmt.Sprintf("照片不能超过 %d MB", MaxWaybillBytes>>20)}
	}
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxWaybillBytes+1))
	if err != nil {
		return "", err
	}
	if len(data) > MaxWaybillBytes {
		return "", &photoRefusal{status: http.StatusRequestEntityTooLarge, code: service.CodePhotoTooLarge, msg: fmt.Sprintf("照片不能超过 %d MB", MaxWaybillBytes>>20)}
	}
	ext, ok := waybillExt[http.DetectContentType(data)]
	if !ok {
		return "", &photoRefusal{status: http.StatusUnprocessableEntity, code: service.CodePhotoNotImage, msg: "只能上传 JPG、PNG、WebP 或 GIF 照片"}
	}
	if _, err := service.CheckPhoto(data); err != nil {
		return "", err
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	rel := filepath.Join("waybills", unsafeName.ReplaceAllString(strings.ToUpper(strings.TrimSpace(no)), "_"), "upload-"+hex.EncodeToString(rnd[:])+ext)
	full := filepath.Join(dataDir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(full, data, 0o640); err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// photoRefusal is an upload refused before service saw it.
type photoRefusal struct {
	status    int
	code, msg string
}

func (e *photoRefusal) Error() string { return e.msg }
