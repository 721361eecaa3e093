package bot_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/web"
)

// TestTicketCommands walks a problem through the loop in chat: reported
// (异常), listed (工单), acknowledged (收到), resolved (处理), with the
// refusals a keeper meets on the way.
func TestTicketCommands(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		no := e.orderIn("submitted")
		got := e.say("wangjg", "异常 "+no+" 客户说少了一箱螺丝")
		if len(got) != 1 || !strings.Contains(got[0], "工单 TK") {
			t.Fatalf("异常: %v", got)
		}
		var tk model.Ticket
		if err := db.Where("kind = ?", model.TicketStaffProblem).Order("id DESC").First(&tk).Error; err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, user, text, want string
		}{
			{"the assignee lists it", "wuhua", "工单", "**" + tk.No + "** 异常·<font color=\"warning\">待接单</font>"},
			{"a keeper sees only theirs", "wangjg", "tickets", "没有未完成的工单"},
			{"a keeper not told may not ack", "lixy", "收到 " + tk.No, "没有权限"},
			{"an unknown ticket", "wuhua", "ack TK20990101-999999", "没有找到工单"},
			{"resolve needs a note", "wuhua", "处理 " + tk.No, "用法"},
			{"the lead acks", "wuhua", "收到 " + tk.No, "已接单"},
			{"twice is refused", "wuhua", "ack " + tk.No, "已经有人接单"},
			{"the lead resolves", "wuhua", "处理 " + tk.No + " 已补发一箱，顺丰 SF123", "已处理"},
			{"then it is done", "wuhua", "resolve " + tk.No + " again", "已经处理完"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got := e.say(tc.user, tc.text)
				if len(got) != 1 || !strings.Contains(got[0], tc.want) {
					t.Fatalf("%s → %v, want it to contain %q", tc.text, got, tc.want)
				}
			})
		}
		if err := db.Where("id = ?", tk.ID).Take(&tk).Error; err != nil || tk.State != model.TicketResolved || tk.Resolution != "已补发一箱，顺丰 SF123" { // the note as typed, full-width comma kept
			t.Fatalf("ticket after the loop: %+v, %v", tk, err)
		}
	})
}

// TestTicketAPI drives the staff API: list by order and state, ack,
// resolve (a note required), close, and the refusals.
func TestTicketAPI(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		no := e.orderIn("submitted")
		e.say("wangjg", "异常 "+no+" 破损两箱")
		var tk model.Ticket
		if err := db.Where("kind = ?", model.TicketStaffProblem).Order("id DESC").First(&tk).Error; err != nil {
			t.Fatal(err)
		}
		g := gin.New()
		tickets := service.NewTickets(db, e.orders.Pipeline(), e.clock.Now, time.UTC, nil)
		web.MountTickets(g.Group("/api/v1"), tickets, time.UTC, modeltest.Log())
		do := func(method, path, body string) (int, map[string]any) {
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			var out map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			return rec.Code, out
		}
		code, out := do("GET", "/api/v1/tickets?order="+no+"&state=open", "")
		items, _ := out["items"].([]any)
		if code != http.StatusOK || len(items) != 1 {
			t.Fatalf("list: %d %v", code, out)
		}
		item := items[0].(map[string]any)
		if item["no"] != tk.No || item["kind"] != "staff_problem" || item["state"] != "open" || item["order_no"] != no || item["assignee"] != "sunli" { // the holder of the order, not the reporter's lead
			t.Fatalf("item: %v", item)
		}
		steps := []struct {
			method, path, body string
			status             int
			state              string
		}{
			{"GET", "/api/v1/tickets?state=bogus", "", http.StatusUnprocessableEntity, ""},
			{"GET", "/api/v1/tickets?order=SO19990101-000000", "", http.StatusNotFound, ""},
			{"POST", "/api/v1/tickets/TK19990101-000000/ack", "", http.StatusNotFound, ""},
			{"POST", "/api/v1/tickets/" + tk.No + "/close", "", http.StatusConflict, ""},
			{"POST", "/api/v1/tickets/" + tk.No + "/ack", "", http.StatusOK, "acknowledged"},
			{"POST", "/api/v1/tickets/" + tk.No + "/ack", "", http.StatusConflict, ""},
			{"POST", "/api/v1/tickets/" + tk.No + "/resolve", `{"note":""}`, http.StatusUnprocessableEntity, ""},
			{"POST", "/api/v1/tickets/" + tk.No + "/resolve", `not json`, http.StatusBadRequest, ""},
			{"POST", "/api/v1/tickets/" + strings.ToLower(tk.No) + "/resolve", `{"note":"换货已发出"}`, http.StatusOK, "resolved"},
			{"POST", "/api/v1/tickets/" + tk.No + "/close", "", http.StatusOK, "closed"},
		}
		for _, s := range steps {
			code, out := do(s.method, s.path, s.body)
			if code != s.status {
				t.Fatalf("%s %s: %d %v, want %d", s.method, s.path, code, out, s.status)
			}
			if s.state != "" {
				if got := out["ticket"].(map[string]any)["state"]; got != s.state {
					t.Fatalf("%s %s: state %v, want %s", s.method, s.path, got, s.state)
				}
			}
		}
	})
}
