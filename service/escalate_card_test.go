package service_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model/modeltest"
)

// An escalation card with a real order number keeps the stage and the wait
// in its title, and every part within WeCom's limits (title 26, desc 30,
// 6 rows of a 5-character key and a 26-character value): numbers are in
// rows of their own, none cut.
func TestEscalationCardFitsWeCom(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Cards = true })
		no := x.order(t)
		x.clock.Add(2*time.Second + 90*time.Minute)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("fired %d", r.Fired)
		}
		rows := pushes(t, db)
		if len(rows) != 1 {
			t.Fatalf("pushes: %+v", rows)
		}
		var body struct {
			TemplateCard struct {
				MainTitle struct{ Title, Desc string } `json:"main_title"`
				Rows      []struct {
					Keyname, Value string
				} `json:"horizontal_content_list"`
			} `json:"template_card"`
			MainTitle struct{ Title, Desc string } `json:"main_title"`
			Rows      []struct {
				Keyname, Value string
			} `json:"horizontal_content_list"`
		}
		if err := json.Unmarshal([]byte(rows[0].Body), &body); err != nil {
			t.Fatalf("%v: %s", err, rows[0].Body)
		}
		title, desc, kv := body.MainTitle.Title, body.MainTitle.Desc, body.Rows
		if title == "" {
			title, desc, kv = body.TemplateCard.MainTitle.Title, body.TemplateCard.MainTitle.Desc, body.TemplateCard.Rows
		}
		if !strings.Contains(title, "待确认") || !strings.Contains(title, "已等 1小时") || strings.Contains(title, "…") {
			t.Errorf("title %q: the stage and the wait must both show, uncut", title)
		}
		if n := utf8.RuneCountInString(title); n > 26 {
			t.Errorf("title is %d characters, over 26: %q", n, title)
		}
		if n := utf8.RuneCountInString(desc); n > 30 {
			t.Errorf("desc is %d characters, over 30: %q", n, desc)
		}
		if len(kv) == 0 || len(kv) > 6 {
			t.Fatalf("%d rows", len(kv))
		}
		found := false
		for _, r := range kv {
			if utf8.RuneCountInString(r.Keyname) > 5 || utf8.RuneCountInString(r.Value) > 26 {
				t.Errorf("row %q: %q over WeCom's limits", r.Keyname, r.Value)
			}
			found = found || r.Value == no
		}
		if !found {
			t.Errorf("the order number %s is not in a row of its own: %+v", no, kv)
		}
	})
}
