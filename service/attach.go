package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
)

// eventAttachment is the timeline kind of an attached file.
const eventAttachment = "attachment"

// Attachment is a file attached to an order (the waybill photo).
type Attachment struct {
	OrderID uint64
	No      string
	Field   string // the stage field it fills, e.g. waybill_photo
	Path    string // where it is stored, under the data dir
	Stage   string // the order's stage
}

// Attach records a stored file as a stage field of an order (the waybill
// photo a keeper sends in chat), with a timeline entry. Whoever owns the
// order's stage, a dispatcher, a keeper or a supervisor may attach.
func (o *Orders) Attach(ctx context.Context, no, field, path string, actor Actor) (_ Attachment, err error) {
	defer wrapOp(&err, "Orders.Attach")
	if !fieldName.MatchString(field) {
		return Attachment{}, invalid("field", CodeInvalidField, "%q 不是字段名", field)
	}
	if err := checkText("path", path, 255, true); err != nil {
		return Attachment{}, err
	}
	no = strings.ToUpper(strings.TrimSpace(no))
	var a Attachment
	err = inTx(ctx, o.db, func(tx *gorm.DB) error {
		ord, err := lockOrder(tx, no, actor)
		if err != nil {
			return err
		}
		if ord.Stage == StageCancelled {
			return conflict(CodeOrderCancelled, "订单 %s 已取消", ord.No).about(ord.No, o.pipe.Name(StageCancelled))
		}
		if may := o.pipe.duties.Attach; !o.pipe.MayMove(actor, ord.Stage) && !actor.HasRole(may...) {
			return &ForbiddenError{Actor: actor.Label(), Need: slices.Clone(may), What: "给订单附文件"}
		}
		have := map[string]string{}
		_ = json.Unmarshal([]byte(ord.Fields), &have)
		have[field] = path
		blob, _ := json.Marshal(have)
		now := o.clock()
		if err := tx.Model(&model.Order{}).Where("id = ?", ord.ID).Updates(map[string]any{"fields": string(blob), "updated_at": now}).Error; err != nil {
			return err
		}
		given, _ := json.Marshal(map[string]string{field: path})
		if err := tx.Create(&model.OrderEvent{OrderID: ord.ID, Kind: eventAttachment, Actor: actor.Label(), Fields: string(given),
			Note: "附件：" + field, CreatedAt: now}).Error; err != nil {
			return err
		}
		a = Attachment{OrderID: ord.ID, No: ord.No, Field: field, Path: path, Stage: ord.Stage}
		return finish(ctx, tx, now, Outcome{Attached: &a})
	})
	return a, err
}

// FieldWaybillPhoto is the stage field holding the waybill photo: the
// path, under the data dir, of a photo attached to the order (Attach).
const FieldWaybillPhoto = "waybill_photo"

// uploadedPhoto refuses a photo field given to a move that is not a file
// attached to this order: chat fills it only by a photo sent after 附件,
// and the staff API and the board by an upload, so a made-up name ("p.jpg")
// never stands for a photo nobody took. Any photo the order was given
// counts, not only the latest.
func uploadedPhoto(tx *gorm.DB, ord model.Order, field, path string) error {
	var blobs []string
	if err := tx.Model(&model.OrderEvent{}).Where("order_id = ? AND kind = ?", ord.ID, eventAttachment).
		Order("id").Pluck("fields", &blobs).Error; err != nil {
		return err
	}
	for _, b := range blobs {
		var f map[string]string
		if json.Unmarshal([]byte(b), &f) == nil && f[field] == path {
			return nil
		}
	}
	return invalid("fields."+field, CodePhotoNotUploaded,
		"%q 不是这张订单上传过的照片：请先上传（企业微信发「附件 %s」再发照片，或 POST /api/v1/orders/%s/waybill_photo），上传后推进时不用再写这个字段", path, ord.No, ord.No)
}
