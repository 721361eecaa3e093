package bot_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// goneRouter is an instance whose list still has a trainee's sandbox
// that another instance removes right after the routing question: the
// first answer is the sandbox, every later one "not practising".
type goneRouter struct {
	inbox  *service.Inbox
	runner *bot.Runner
	asked  atomic.Int32
}

func (r *goneRouter) Route(context.Context, string) (*service.Inbox, *bot.Runner, bool, error) {
	if r.asked.Add(1) == 1 {
		return r.inbox, r.runner, true, nil
	}
	return nil, nil, false, nil
}

// A message routed to a sandbox removed before it could be written there
// is asked about again and recorded in the real inbox: answered 200 and
// run, not a 500 (nor lost, if WeCom gave up retrying).
func TestCallbackSandboxRemovedMidMessage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		// The sandbox: a real database, removed.
		path := filepath.Join(t.TempDir(), "sandbox.db")
		sdb, err := model.Open(ctx, model.Options{SQLitePath: path, Log: modeltest.Log()})
		if err != nil {
			t.Fatal(err)
		}
		if err := model.Migrate(ctx, sdb); err != nil {
			t.Fatal(err)
		}
		sInbox := service.NewInbox(sdb, e.clock.Now)
		router := &goneRouter{inbox: sInbox, runner: bot.NewRunner(&bot.Bot{}, sInbox, func() {}, modeltest.Log(), bot.RunnerOptions{})}
		if err := model.Close(sdb); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(t)
		g := gin.New()
		bot.NewCallback(e.crypto, e.inst[0].inbox, e.inst[0].runner, rdb, prefix, e.clock.Now, modeltest.Log()).WithPractice(router).Mount(g)
		e.inst[0].engine = g

		if rec := e.post(0, e.text("chenjie", "待办")); rec.Code != http.StatusOK {
			t.Fatalf("callback answered %d", rec.Code)
		}
		if n := router.asked.Load(); n != 2 {
			t.Errorf("asked %d times where the message goes, want 2", n)
		}
		var in model.Inbound
		if err := db.Where("from_user = ? AND content = ?", "chenjie", "待办").Take(&in).Error; err != nil {
			t.Fatalf("not in the real inbox: %v", err)
		}
	})
}

// 重新练习 and 删除练习 run in the real system even for a trainee in
// practice; every other practice command (练习 is a prefix of them all)
// does not.
func TestRealOnly(t *testing.T) {
	for _, tc := range []struct {
		typ, text string
		want      bool
	}{
		{"text", "重新练习", true},
		{"text", "删除练习 陈杰", true},
		{"text", "删除练习陈杰", true},
		{"text", "Practice Restart", true},
		{"text", "practice delete chenjie", true},
		{"text", "练习", false},
		{"text", "练习进度", false},
		{"text", "退出练习", false},
		{"text", "practice", false},
		{"text", "practice progress", false},
		{"text", "practice end", false},
		{"text", "practicerestart", false},
		{"image", "", false},
		{"text", "待办", false},
	} {
		if got := bot.RealOnly(tc.typ, tc.text); got != tc.want {
			t.Errorf("RealOnly(%s, %q) = %v, want %v", tc.typ, tc.text, got, tc.want)
		}
	}
}
