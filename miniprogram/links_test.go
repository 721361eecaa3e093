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

// TestLinkRequestFromTheApp: a new buyer asks to be linked to their
// company; bad input is a 4xx naming the field; one open request at a time;
// the buyer follows its state (待审核, then 已关联 with the company, which
// /me then shows, or 未通过 with why).
func TestLinkRequestFromTheApp(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, harnessOpts{})
		ctx := context.Background()
		tok := h.login("dev:xiaoli")
		const path = "/api/mp/v1/link-requests"
		for _, tc := range []struct {
			name, body string
			code       int
			errCode    string
			field      string
		}{
			{"nothing", `{"note":"请关联"}`, http.StatusUnprocessableEntity, "required", "company_name"},
			{"long code", `{"customer_code":"` + strings.Repeat("X", 33) + `"}`, http.StatusUnprocessableEntity, "too_long", "customer_code"},
			{"unknown field", `{"company":"宏达"}`, http.StatusBadRequest, "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", path, tok, tc.body)
				if r.code < 400 || r.code >= 500 || (tc.code != 0 && r.code != tc.code) {
					t.Fatalf("%s = %d %s", tc.name, r.code, r.body)
				}
				e := r.json(t)["error"].(map[string]any)
				if (tc.errCode != "" && e["code"] != tc.errCode) || (tc.field != "" && e["field"] != tc.field) {
					t.Fatalf("%s = %s", tc.name, r.body)
				}
			})
		}
		r := h.do("POST", path, tok, `{"company_name":"宏达机电","note":"我是宏达的采购小李"}`)
		if r.code != http.StatusCreated {
			t.Fatalf("ask = %d %s", r.code, r.body)
		}
		req := r.json(t)["request"].(map[string]any)
		no := req["no"].(string)
		if req["state"] != "open" || req["state_name"] != "待审核" || req["customer"] != nil {
			t.Fatalf("request = %s", r.body)
		}
		if r := h.do("POST", path, tok, `{"customer_code":"C001"}`); r.code != http.StatusConflict || r.json(t)["error"].(map[string]any)["code"] != "link_request_open" {
			t.Fatalf("second ask = %d %s", r.code, r.body)
		}
		list := h.do("GET", path, tok, "").json(t)
		if list["open"].(map[string]any)["no"] != no || len(list["items"].([]any)) != 1 {
			t.Fatalf("list = %v", list)
		}
		cs := service.Actor{Kind: service.ActorStaff, ID: "cs", Name: "孙丽", Roles: []string{"customer_service"}}
		if _, err := h.links.Decide(ctx, no, service.LinkDecision{Approve: true}, cs); err != nil {
			t.Fatal(err)
		}
		list = h.do("GET", path, tok, "").json(t)
		got := list["items"].([]any)[0].(map[string]any)
		if list["open"] != nil || got["state_name"] != "已关联" || got["customer"].(map[string]any)["code"] != "C001" || got["decided_at"] == nil {
			t.Fatalf("after approval = %v", list)
		}
		me := h.do("GET", "/api/mp/v1/me", tok, "").json(t)["buyer"].(map[string]any)
		if me["customer"].(map[string]any)["code"] != "C001" {
			t.Fatalf("/me = %v, want the company C001", me)
		}

		// Another buyer, rejected with a reason they read.
		tok2 := h.login("dev:laowang")
		no2 := h.do("POST", path, tok2, `{"customer_code":"c001"}`).json(t)["request"].(map[string]any)["no"].(string)
		if _, err := h.links.Decide(ctx, no2, service.LinkDecision{Reason: "宏达没有这位采购，请联系张伟"}, cs); err != nil {
			t.Fatal(err)
		}
		got = h.do("GET", path, tok2, "").json(t)["items"].([]any)[0].(map[string]any)
		if got["state_name"] != "未通过" || got["reason"] != "宏达没有这位采购，请联系张伟" || got["customer_code"] != "C001" {
			t.Fatalf("rejected = %v", got)
		}
		if r := h.do("GET", path, "", ""); r.code != http.StatusUnauthorized {
			t.Fatalf("no token = %d", r.code)
		}
	})
}
