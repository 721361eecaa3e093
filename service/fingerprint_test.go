package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// v1Fingerprint is the request hash release b0d9163 stored, spelled out
// as it was there.
func v1Fingerprint(customerID uint64, address, remark string, lines ...service.LineInput) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d|%s|%s|", customerID, address, remark)
	for _, l := range lines {
		fmt.Fprintf(h, "|%s*%d", l.SKU, l.Qty)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestIdempotentRetryAcrossUpgrade: an order placed by the previous
// release (its key stored with that release's fingerprint) is returned
// to a retry with the same key and body after the upgrade, not refused
// 409 idempotency_key_reused; a different body with that key still is.
// New keys name their algorithm.
func TestIdempotentRetryAcrossUpgrade(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		ctx := context.Background()
		in := service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 5}}, Address: "上海市 1 号", Remark: "尽快", IdempotencyKey: "before-upgrade"}
		d, created, err := e.orders.Create(ctx, in)
		if err != nil || !created {
			t.Fatalf("create: %v, %v", created, err)
		}
		var k model.IdempotencyKey
		if err := db.Where("`key` = ?", in.IdempotencyKey).Take(&k).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k.RequestHash, "v2:") {
			t.Errorf("stored fingerprint %q does not name its algorithm", k.RequestHash)
		}
		// As the previous release wrote it.
		old := v1Fingerprint(d.Order.CustomerID, in.Address, in.Remark, in.Lines...)
		if err := db.Model(&model.IdempotencyKey{}).Where("id = ?", k.ID).Update("request_hash", old).Error; err != nil {
			t.Fatal(err)
		}
		for _, inst := range []*service.Orders{e.orders, e.orders2} {
			again, created, err := inst.Create(ctx, in)
			if err != nil || created || again.Order.No != d.Order.No {
				t.Errorf("retry after the upgrade: %s created=%v err=%v, want %s again", again.Order.No, created, err, d.Order.No)
			}
		}
		other := in
		other.Lines = []service.LineInput{{SKU: "BOLT-M8", Qty: 6}}
		if _, _, err := e.orders.Create(ctx, other); service.ErrorCode(err) != "idempotency_key_reused" {
			t.Errorf("another body with the old key: err = %v, want idempotency_key_reused", err)
		}
		if _, locked := e.stockOf(t, "A", "BOLT-M8"); locked != 5 {
			t.Errorf("locked = %d, want 5 (one order)", locked)
		}
	})
}
