package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestRunnerSurvivesAPanickingCommand: a command that panics (a bug; here
// a Bot with nothing behind it) neither crashes the server nor stays
// unfinished, which would crash every instance that resumed it: the
// message is closed as failed and its sender told, once.
func TestRunnerSurvivesAPanickingCommand(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		inbox := service.NewInbox(db, service.SystemClock)
		runner := bot.NewRunner(&bot.Bot{}, inbox, func() {}, modeltest.Log(), bot.RunnerOptions{MaxAttempts: 3})
		row, fresh, err := inbox.Record(ctx, service.InboundMessage{Key: "poison-1", From: "wangjg", Type: "text", Content: "库存 NUT-M8", SentAt: time.Now()}, time.Minute)
		if err != nil || !fresh {
			t.Fatalf("record: fresh %v, err %v", fresh, err)
		}
		runner.Process(ctx, row)
		got, err := inbox.Get(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != model.InboundFailed || !strings.Contains(got.LastError, "panicked") {
			t.Errorf("message after a panicking command: state %q, error %q; want failed, saying it panicked", got.State, got.LastError)
		}
		var told []model.Outbox
		if err := db.Where("to_user = ?", "wangjg").Find(&told).Error; err != nil {
			t.Fatal(err)
		}
		if len(told) != 1 || !strings.Contains(told[0].Body, "系统出错了") {
			t.Errorf("the sender was told %+v; want one apology", told)
		}
		if due, err := inbox.Due(ctx, 10, time.Minute); err != nil || len(due) != 0 {
			t.Errorf("due after: %v, %v; want nothing left to resume", due, err)
		}
	})
}
