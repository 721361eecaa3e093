package miniprogram_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestProblemStepsReachTheBuyer: a problem the buyer reported shows in
// their order's timeline as it moves (reported, taken up, resolved with
// what was done), on the public tracking page too, and /problems carries
// the resolution the order detail shows.
func TestProblemStepsReachTheBuyer(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		ctx := context.Background()
		must(h.catalog.CreateStaff(ctx, service.StaffInput{UserID: "cslead", Name: "钱主管", Phone: "13900000000", Roles: []string{"cs_lead"}}))
		zhang := h.login("dev:zhang")
		no := h.order(zhang, "z", `[{"sku":"NUT-M8","qty":2}]`)
		path := "/api/mp/v1/orders/" + no + "/problems"
		r := h.do("POST", path, zhang, `{"kind":"少发","description":"少了一盒螺母"}`)
		if r.code != http.StatusCreated {
			t.Fatalf("report = %d %s", r.code, r.body)
		}
		tk := r.json(t)["ticket"].(map[string]any)["no"].(string)
		staff := service.Actor{Kind: service.ActorStaff, ID: "cslead", Name: "钱主管", Roles: []string{"cs_lead"}}
		if _, err := h.tickets.Ack(ctx, tk, staff, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := h.tickets.Resolve(ctx, tk, "已补发一盒，顺丰 SF123", staff, nil); err != nil {
			t.Fatal(err)
		}

		items := h.do("GET", path, zhang, "").json(t)["items"].([]any)
		p := items[0].(map[string]any)
		if p["resolution"] != "已补发一盒，顺丰 SF123" || p["state_name"] != "已处理" || p["resolved_at"] == nil {
			t.Errorf("/problems = %v, want the resolution the detail shows", p)
		}
		d := orderOf(t, h.do("GET", "/api/mp/v1/orders/"+no, zhang, ""))
		var texts []string
		for _, ev := range d["timeline"].([]any) {
			texts = append(texts, ev.(map[string]any)["text"].(string))
		}
		all := strings.Join(texts, "\n")
		for _, want := range []string{"反馈问题（少发）：少了一盒螺母，工单 " + tk, "问题已受理", "问题已处理（工单 " + tk + "）：已补发一盒，顺丰 SF123"} {
			if !strings.Contains(all, want) {
				t.Errorf("the timeline lacks %q:\n%s", want, all)
			}
		}
		if strings.Index(all, "反馈问题") > strings.Index(all, "问题已处理") {
			t.Errorf("the timeline is out of order:\n%s", all)
		}
		page := string(h.do("GET", "/t/"+h.tracking.Token(no), "", "").body)
		if !strings.Contains(page, "问题已处理（工单 "+tk+"）") {
			t.Errorf("the tracking page lacks the problem's steps")
		}
	})
}
