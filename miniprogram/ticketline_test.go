package miniprogram_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestProblemStepsReachTheBuyer: a problem the buyer reported shows in
// their order's timeline as it moves (reported, taken up, resolved with
// what was done), on the public tracking page too, and /problems carries
// the resolution the order detail shows.
func TestProblemStepsReachTheBuyer(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		ctx := context.Background()
		must(h.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cslead", Name: "钱主管", Phone: "13900000000", Roles: []string{"cs_lead"}}))
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
			e := ev.(map[string]any)
			texts = append(texts, e["text"].(string))
			// Staff named only as the detail names them: the assignee is
			// the order's holder, the lead who acked is nobody the buyer
			// was shown.
			if by, _ := e["by"].(string); strings.Contains(by, "钱主管") {
				t.Errorf("the timeline names the lead: %v", e)
			}
			owner := d["owner"].(map[string]any)
			if strings.HasPrefix(e["text"].(string), "问题已受理") && e["by"] != owner["role"].(string)+" · "+owner["name"].(string) {
				t.Errorf("taken up by %v, want the holder the detail shows (%v)", e["by"], owner)
			}
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
		// Once someone else holds the order, the one who took the problem
		// up is no longer shown by name.
		h.advance(no, "confirmed")
		d = orderOf(t, h.do("GET", "/api/mp/v1/orders/"+no, zhang, ""))
		if d["owner"].(map[string]any)["name"] == "孙丽" {
			t.Fatalf("confirmed, the order is still held by customer service: %v", d["owner"])
		}
		for _, ev := range d["timeline"].([]any) {
			e := ev.(map[string]any)
			if strings.HasPrefix(e["text"].(string), "问题已受理") && e["by"] != "客服" {
				t.Errorf("taken up by %v while %v holds the order, want 客服", e["by"], d["owner"])
			}
		}
		page := string(h.do("GET", "/t/"+h.tracking.Token(no), "", "").body)
		if !strings.Contains(page, "问题已处理（工单 "+tk+"）") {
			t.Errorf("the tracking page lacks the problem's steps")
		}
	})
}
