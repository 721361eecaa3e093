package bot_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// sandboxRouter sends every message of a practising user to one sandbox,
// and knows the real system's cards.
type sandboxRouter struct {
	inbox  *service.Inbox
	runner *bot.Runner
	real   *gorm.DB
}

func (r *sandboxRouter) Route(context.Context, string) (*service.Inbox, *bot.Runner, bool, error) {
	return r.inbox, r.runner, true, nil
}

func (r *sandboxRouter) RealCard(ctx context.Context, taskID string) (bool, error) {
	return service.RealCard(ctx, r.real, taskID)
}

// A lead who practises taps 接单 on a real escalation card: the tap is
// the real system's (before: it went to the sandbox and acknowledged the
// sandbox's ticket of the same number, the real one kept climbing). A
// tap on a card the sandbox sent stays in the sandbox.
func TestPracticeCardTapOnRealCardReachesRealSystem(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		sdb, err := model.Open(ctx, model.Options{SQLitePath: filepath.Join(t.TempDir(), "sandbox.db"), Log: modeltest.Log()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { model.Close(sdb) })
		if err := model.Migrate(ctx, sdb); err != nil {
			t.Fatal(err)
		}
		sInbox := service.NewInbox(sdb, e.clock.Now)
		router := &sandboxRouter{inbox: sInbox, runner: bot.NewRunner(&bot.Bot{}, sInbox, func() {}, modeltest.Log(), bot.RunnerOptions{}), real: db}
		if err := db.Create(&model.CardTask{TaskID: "esc-real-1", TicketID: 1, ToUser: "qianqiang", OutboxKey: "k1", CreatedAt: e.clock.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(t)
		g := gin.New()
		bot.NewCallback(e.crypto, e.inst[0].inbox, e.inst[0].runner, rdb, prefix, e.clock.Now, modeltest.Log()).WithPractice(router).Mount(g)
		e.inst[0].engine = g

		if rec := e.postCard(0, "qianqiang", "ack", "esc-real-1", "rc-1"); rec.Code != http.StatusOK {
			t.Fatalf("real card tap answered %d", rec.Code)
		}
		e.clock.Add(2 * time.Second) // WeCom's key of an event is its sender and time
		if rec := e.postCard(0, "qianqiang", "ack", "esc-sandbox-1", "rc-2"); rec.Code != http.StatusOK {
			t.Fatalf("sandbox card tap answered %d", rec.Code)
		}
		where := func(d *gorm.DB, key string) int64 {
			var n int64
			d.Model(&model.Inbound{}).Where("from_user = ? AND event = ? AND content LIKE ?", "qianqiang", "template_card_event", "%"+key+"%").Count(&n)
			return n
		}
		if where(db, "esc-real-1") != 1 || where(sdb, "esc-real-1") != 0 {
			t.Errorf("tap on the real card: %d in the real inbox, %d in the sandbox; want 1, 0", where(db, "esc-real-1"), where(sdb, "esc-real-1"))
		}
		if where(sdb, "esc-sandbox-1") != 1 || where(db, "esc-sandbox-1") != 0 {
			t.Errorf("tap on the sandbox's card: %d in the sandbox, %d in the real inbox; want 1, 0", where(sdb, "esc-sandbox-1"), where(db, "esc-sandbox-1"))
		}
	})
}
