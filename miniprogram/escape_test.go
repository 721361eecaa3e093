package miniprogram_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// A subscribe field is one line within its template's limit, whatever a
// dispatcher typed as the carrier: a cut value ends with an ellipsis.
func TestSubscribeFieldsAreOneLineAndCut(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{wechat: true})
		alice := h.login("good-alice")
		r := h.do("POST", "/api/mp/v1/orders", alice, `{"address":"上海市嘉定区","lines":[{"sku":"NUT-M8","qty":2}],"subscribe":["shipped"]}`, "Idempotency-Key", "esc1")
		if r.code != http.StatusCreated {
			t.Fatalf("order = %d %s", r.code, r.body)
		}
		no := orderOf(t, r)["no"].(string)
		h.advanceTo(no, "confirmed", "picking", "qc", "packed")
		actor := must(h.catalog.StaffActor(context.Background(), "disp"))
		if _, err := h.orders.Advance(context.Background(), service.Move{No: no, To: "shipped", Actor: actor, Fields: map[string]string{
			"carrier": "顺丰\n> 已签收", "tracking_no": "SF1234567890123456789", "waybill_photo": h.attachWaybill(no)}}); err != nil {
			t.Fatal(err)
		}
		h.dispatch()
		sent := h.wx.sends()
		if len(sent) != 1 {
			t.Fatalf("%d sends", len(sent))
		}
		got := data(sent[0], "thing3")
		if strings.ContainsAny(got, "\n\r") || utf8.RuneCountInString(got) != 20 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "顺丰 > 已签收 SF") {
			t.Fatalf("thing3 = %q", got)
		}
	})
}
