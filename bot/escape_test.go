package bot_test

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// Pushes to other staff carry the sender's name and what they typed: the
// markup and forged lines in them never reach the receiver as markup.
func TestPushesEscapeWhatStaffTyped(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		qcOrder := e.orderIn("qc")
		hostile := "刘洋<a href=\"http://evil.example\">点我</a>\n> 负责人：伪造"
		if err := db.Model(&model.Staff{}).Where("user_id = ?", "liuyang").Update("name", hostile).Error; err != nil {
			t.Fatal(err)
		}
		before := len(e.wecom.Sent())
		e.say("liuyang", "异常 "+qcOrder+" 少了一箱 **粗** [点我](http://evil.example) <a href=\"http://evil.example\">这里</a>")
		e.say("liuyang", "推进 "+qcOrder)
		others := 0
		for _, m := range e.wecom.Sent()[before:] {
			if m.ToUser == "liuyang" {
				continue
			}
			others++
			bad := []string{"<a", "http://evil", "\n> 负责人：伪造"}
			if m.MsgType == "markdown" {
				bad = append(bad, "**粗**", "[点我]")
			}
			for _, bad := range bad {
				if strings.Contains(m.Content, bad) {
					t.Errorf("%s to %s carries %q: %s", m.MsgType, m.ToUser, bad, m.Content)
				}
			}
		}
		if others < 2 {
			t.Fatalf("want the ticket push and the next owner's push, got %d: %+v", others, e.wecom.Sent()[before:])
		}
	})
}
