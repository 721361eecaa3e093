package service

import (
	"context"

	"gorm.io/gorm"

	"orderhub/model"
)

// RealCard reports whether db sent the interactive card taskID (its
// model.CardTask row). A practising user's tap on such a card is the
// real system's: an escalation's 接单 acknowledged in a sandbox left the
// real ticket climbing (DESIGN.md invariant 8).
func RealCard(ctx context.Context, db *gorm.DB, taskID string) (bool, error) {
	if taskID == "" {
		return false, nil
	}
	var n int64
	if err := db.WithContext(ctx).Model(&model.CardTask{}).Where("task_id = ?", taskID).Limit(1).Count(&n).Error; err != nil {
		return false, err
	}
	return n > 0, nil
}
