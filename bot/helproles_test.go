package bot_test

import (
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model/modeltest"
)

// TestHelpListsOnlyWhatTheRolesMay: every command a person's 帮助 lists is
// one their roles may use (sent bare, it is never refused for the role),
// so a keeper is not offered 复核 and then told 您的岗位不能复核; customer
// service is.
func TestHelpListsOnlyWhatTheRolesMay(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		bold := regexp.MustCompile(`\*\*([^*（]+)\*\*（`)
		for _, user := range []string{"wangjg", "chenjie", "liuyang", "zhoumin", "sunli", "qianqiang", "wuhua", "zhenggang", "fengjun"} {
			help := strings.Join(e.say(user, "帮助"), "\n")
			var cmds []string
			for _, m := range bold.FindAllStringSubmatch(help, -1) {
				cmds = append(cmds, m[1])
			}
			if len(cmds) < 5 {
				t.Fatalf("%s: help lists %v:\n%s", user, cmds, help)
			}
			for _, c := range cmds {
				if strings.Contains(c, "练习") || c == "帮助" {
					continue // practice switches the sender's mode; every role may
				}
				got := strings.Join(e.say(user, c), "\n")
				if strings.Contains(got, "您的岗位") || strings.Contains(got, "不能使用") {
					t.Errorf("%s's help offers 「%s」, which refuses them: %s", user, c, got)
				}
			}
			switch user {
			case "wangjg":
				if strings.Contains(help, "**复核**") {
					t.Errorf("a keeper is offered 复核:\n%s", help)
				}
			case "sunli":
				if !strings.Contains(help, "**复核**") {
					t.Errorf("customer service is not offered 复核:\n%s", help)
				}
			}
		}
	})
}
