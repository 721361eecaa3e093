package service_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// A refusal by the database that no retry can fix is told apart from a
// passing failure, so a chat command failing so is answered at once.
func TestIsPermanent(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 5)
		err := db.Model(&model.Stock{}).Where("1 = 1").Update("locked", gorm.Expr("on_hand + 1")).Error
		if err == nil || !service.IsPermanent(err) {
			t.Fatalf("locked above on hand: err %v, permanent %v", err, service.IsPermanent(err))
		}
		if service.IsPermanent(context.DeadlineExceeded) || service.IsPermanent(errors.New("connection refused")) || service.IsPermanent(nil) {
			t.Fatal("a passing failure taken for permanent")
		}
	})
}
