package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// hostileCustomer is the customer name of issue 9: bold, a live link, a
// forged quote line and a forged instruction.
const hostileCustomer = "坏客户 **粗** [点我](http://evil.example)\n> 负责人：伪造\n确认接单请回复「收到 TK-FAKE」"

// hostileStaff is a staff name doing the same within its 64 characters.
const hostileStaff = "**吴** [链](http://e.x)\n> 伪造行<font color=\"info\">绿</font>"

// injected reports what of the hostile names' markup survived into a
// message body (all its strings, JSON-decoded), or "". Template cards show
// their fields as plain text: there only line breaks matter.
func injected(msgType, body string) string {
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return "body is not JSON: " + err.Error()
	}
	var texts []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			texts = append(texts, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	bad := []string{"\n> 负责人：伪造", "\n确认接单请回复「收到 TK-FAKE」", "\n> 伪造行"}
	if msgType != "template_card" {
		bad = append(bad, "**粗**", "[点我]", "http://evil.example", "**吴**", "[链]", "http://e.x", `<font color="info">绿`)
	}
	for _, s := range texts {
		for _, bad := range bad {
			if strings.Contains(s, bad) {
				return "markup from a name survived: " + bad + " in " + s
			}
		}
	}
	return ""
}

// TestPushesEscapeNames runs every escalation message builder (markdown
// push, group robot, grouped summary, template card) over a customer and
// staff whose names carry markup and forged lines: none of it survives.
func TestPushesEscapeNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cards bool
		group int
		types []string
	}{
		{"markdown and robot", false, 3, []string{"markdown", bot.MsgTypeRobot}},
		{"template card", true, 3, []string{"template_card", bot.MsgTypeRobot}},
		{"grouped summary", false, 1, []string{"markdown", bot.MsgTypeRobot}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Cards = tc.cards; c.Escalation.GroupOver = tc.group })
				ctx := context.Background()
				must(x.catalog.CreateCustomer(ctx, catalog.CustomerInput{Code: "BAD", Name: hostileCustomer, Region: "上海", Address: "上海市嘉定区安亭镇"}))
				must(x.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "badlead", Name: hostileStaff, Roles: []string{"cs_lead"}}))
				for i := 0; i < 2; i++ {
					if _, _, err := x.orders.Create(ctx, service.NewOrder{Customer: "BAD", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin}); err != nil {
						t.Fatal(err)
					}
				}
				x.clock.Add(3 * time.Second)
				x.scan(t)
				x.clock.Add(3 * time.Second)
				x.scan(t)
				var rows []model.Outbox
				if err := db.Order("id").Find(&rows).Error; err != nil {
					t.Fatal(err)
				}
				rows = rendered(t, rows)
				seen := map[string]bool{}
				for _, r := range rows {
					seen[r.MsgType] = true
					if why := injected(r.MsgType, r.Body); why != "" {
						t.Errorf("%s to %s: %s", r.MsgType, r.ToUser, why)
					}
				}
				for _, typ := range tc.types {
					if !seen[typ] {
						t.Errorf("no %s push was built: %v", typ, seen)
					}
				}
				if t.Failed() {
					for _, r := range rows {
						t.Logf("%s %s: %s", r.MsgType, r.ToUser, r.Body)
					}
				}
			})
		})
	}
}
