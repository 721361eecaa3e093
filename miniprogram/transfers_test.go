package miniprogram_test

import (
	"fmt"
	"net/http"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
)

// An order short in its shipping warehouse waits for a transfer: the buyer
// reads why in plain words, without warehouse codes or staff.
func TestOrderTransfersInPlainWords(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		tok := h.login("dev:zhang")
		// BOLT-M8-30: 60 in SH (first), 40 in SZ.
		no := h.order(tok, "k", `[{"sku":"BOLT-M8-30","qty":70},{"sku":"NUT-M8","qty":1}]`)
		r := h.do("GET", "/api/mp/v1/orders/"+no, tok, "")
		trs, _ := orderOf(t, r)["transfers"].([]any)
		if r.code != 200 || len(trs) != 1 {
			t.Fatalf("order = %d %s, want one transfer", r.code, r.body)
		}
		tr := trs[0].(map[string]any)
		if tr["sku"] != "BOLT-M8-30" || tr["name"] != "六角螺栓" || tr["qty"] != float64(10) || tr["status"] != "pending" ||
			tr["text"] != "六角螺栓 ×10 正从其他仓库调往上海仓，到货后一起发出。" {
			t.Fatalf("transfer = %v", tr)
		}
		// The list carries no transfers (summary).
		list := h.do("GET", "/api/mp/v1/orders", tok, "")
		if first := list.json(t)["items"].([]any)[0].(map[string]any); first["transfers"] != nil {
			t.Fatalf("list item has transfers: %v", first["transfers"])
		}

		staff := h.do("GET", "/api/v1/transfers?order="+no, adminToken, "")
		id := staff.json(t)["items"].([]any)[0].(map[string]any)["id"].(float64)
		if r := h.do("POST", fmt.Sprintf("/api/v1/transfers/%d/receive", int64(id)), adminToken, `{"by":"keeper"}`); r.code != http.StatusOK {
			t.Fatalf("receive = %d %s", r.code, r.body)
		}
		r = h.do("GET", "/api/mp/v1/orders/"+no, tok, "")
		tr = orderOf(t, r)["transfers"].([]any)[0].(map[string]any)
		if tr["status"] != "received" || tr["text"] != "六角螺栓 ×10 已从其他仓库调到上海仓。" {
			t.Fatalf("received transfer = %v", tr)
		}
	})
}
