package service

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// PhotoQuota bounds the problem photos one buyer uploads in a window, in
// number and in bytes: one photo is capped at the edge, and without this a
// buyer could open problem after problem and upload about 145 MB a minute.
type PhotoQuota struct {
	Count  int
	Bytes  int64
	Window time.Duration
}

// QuotaError is an upload refused because it would pass the buyer's
// quota; RetryAfter is when the oldest upload counted leaves the window.
type QuotaError struct {
	Quota      PhotoQuota
	Count      int   // uploads in the window before this one
	Bytes      int64 // their bytes
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("问题照片传得太多：%v 内已传 %d 张、%d 字节（上限 %d 张、%d 字节）", e.Quota.Window, e.Count, e.Bytes, e.Quota.Count, e.Quota.Bytes)
}

// Unwrap makes a QuotaError a conflict; the edge answers it 429.
func (e *QuotaError) Unwrap() error { return ErrConflict }

// Code is the error's code for the edges.
func (e *QuotaError) Code() string { return CodePhotoQuota }

// CodePhotoQuota is a buyer over their photo quota.
const CodePhotoQuota = "photo_quota"

// ReservePhoto counts an upload of n bytes by buyerID against q before
// the file is written, and records it; the returned id undoes it
// (CancelPhoto) when the file is not kept after all. Uploads of one buyer
// are counted one at a time (the buyer's row is written first, which
// locks it on MySQL and takes SQLite's write lock), so two at once cannot
// both squeeze under the quota.
func (s *Buyers) ReservePhoto(ctx context.Context, buyerID uint64, ticketNo string, n int64, q PhotoQuota) (id uint64, err error) {
	defer wrapOp(&err, "Buyers.ReservePhoto")
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE buyers SET id = id WHERE id = ?", buyerID).Error; err != nil {
			return err
		}
		now := s.clock()
		var used struct {
			N     int
			Bytes int64
		}
		since := now.Add(-q.Window)
		if err := tx.Model(&model.PhotoUpload{}).Select("COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes").
			Where("buyer_id = ? AND created_at > ?", buyerID, since).Scan(&used).Error; err != nil {
			return err
		}
		if used.N+1 > q.Count || used.Bytes+n > q.Bytes {
			retry := q.Window
			var oldest []model.PhotoUpload
			if err := tx.Where("buyer_id = ? AND created_at > ?", buyerID, since).Order("created_at").Limit(1).Find(&oldest).Error; err != nil {
				return err
			}
			if len(oldest) == 1 {
				retry = oldest[0].CreatedAt.Add(q.Window).Sub(now)
			}
			return &QuotaError{Quota: q, Count: used.N, Bytes: used.Bytes, RetryAfter: max(retry, time.Second)}
		}
		row := model.PhotoUpload{BuyerID: buyerID, TicketNo: ticketNo, Bytes: n, CreatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		id = row.ID
		return nil
	})
	return id, err
}

// CancelPhoto undoes a reservation whose file was not kept.
func (s *Buyers) CancelPhoto(ctx context.Context, id uint64) (err error) {
	defer wrapOp(&err, "Buyers.CancelPhoto")
	return s.db.WithContext(ctx).Where("id = ?", id).Delete(&model.PhotoUpload{}).Error
}
