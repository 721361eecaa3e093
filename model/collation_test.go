package model_test

import (
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestKeysCompareByteForByte: external ids, Idempotency-Keys, staff ids,
// channel aliases and codes that differ only in case or accents are
// different keys on every database (DESIGN.md invariant 11): each variant
// inserts, and a lookup by one finds only it. Before version 30, MariaDB's
// utf8mb4_general_ci refused the second as a duplicate.
func TestKeysCompareByteForByte(t *testing.T) {
	variants := []string{"pos-ab-7", "POS-AB-7", "pös-ab-7"}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		for i, v := range variants {
			rows := []any{
				&model.Intake{Source: "channel", Channel: "pos", ExternalID: v, State: model.IntakePlaced},
				&model.IdempotencyKey{Scope: "orders", Key: v, RequestHash: "h", OrderID: uint64(i + 1)},
				&model.Staff{UserID: v, Name: "员工"},
				&model.ProductAlias{Channel: "pos", Alias: v, ProductID: uint64(i + 1)},
				&model.Product{SKU: v, Name: "商品"},
			}
			for _, r := range rows {
				if err := db.Create(r).Error; err != nil {
					t.Fatalf("insert %T %q: %v", r, v, err)
				}
			}
		}
		for _, v := range variants {
			for _, q := range []struct {
				m     any
				where string
			}{
				{&model.Intake{}, "external_id = ?"},
				{&model.IdempotencyKey{}, "`key` = ?"},
				{&model.Staff{}, "user_id = ?"},
				{&model.ProductAlias{}, "alias = ?"},
				{&model.Product{}, "sku = ?"},
			} {
				var n int64
				if err := db.Model(q.m).Where(q.where, v).Count(&n).Error; err != nil || n != 1 {
					t.Errorf("%T where %s %q: %d rows (%v), want 1", q.m, q.where, v, n, err)
				}
			}
		}
	})
}
