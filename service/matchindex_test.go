package service_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service/catalog"
)

// TestChannelOrderMatchesWithoutReadingCatalogue: a channel order matched
// by name reads the products table only when the catalogue changed since
// the last order (before: the whole catalogue per order, 67 s for a
// 200-line order at 207k products); a product added in between is found
// by the next order.
func TestChannelOrderMatchesWithoutReadingCatalogue(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		e.put(t, "A", "NUT-M8", 100)
		var reads atomic.Int32
		if err := db.Callback().Query().Before("gorm:query").Register("test:product_reads", func(tx *gorm.DB) {
			if tx.Statement.Table == "products" && !strings.Contains(tx.Statement.SQL.String(), "sku") {
				// Whole-catalogue reads have no condition on the SKU.
				if _, ok := tx.Statement.Clauses["WHERE"]; !ok {
					reads.Add(1)
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		in := newIntakes(e)
		order := func(id, name string) model.Intake {
			t.Helper()
			v, _, err := send(t, e, in, "ali", `{"baseInfo":{"idOfStr":"`+id+`","buyerContact":{"companyName":"宏达机电"}},"productItems":[{"name":"`+name+`","productID":"1","quantity":1}]}`)
			if err != nil {
				t.Fatal(err)
			}
			return v.Intake
		}
		order("IX-1", "六角螺母 M8")
		first := reads.Load()
		for _, id := range []string{"IX-2", "IX-3", "IX-4"} {
			if it := order(id, "六角螺母 M8"); it.State != model.IntakePlaced {
				t.Fatalf("order %s = %s", id, it.State)
			}
		}
		if n := reads.Load() - first; n != 0 {
			t.Errorf("three more orders read the whole catalogue %d times, want 0", n)
		}
		must(e.catalog.CreateProduct(context.Background(), catalog.ProductInput{SKU: "PIPE-DN20", Name: "镀锌钢管", Spec: "DN20", Unit: "根"}))
		e.put(t, "A", "PIPE-DN20", 10)
		if it := order("IX-5", "镀锌钢管 DN20"); it.State != model.IntakePlaced {
			t.Errorf("a product added since the last order: intake %s, want placed", it.State)
		}
	})
}
