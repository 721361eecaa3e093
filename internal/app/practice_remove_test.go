package app

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/bot"
	"orderhub/internal/demo"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// removeSandboxesAtCleanup removes every sandbox a's practice made (MySQL
// databases outlive the test's own database).
func removeSandboxesAtCleanup(t *testing.T, a *App) {
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := a.practice.keys(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		for _, k := range keys {
			if err := a.practice.remove(ctx, k); err != nil {
				t.Errorf("remove sandbox %s: %v", k, err)
			}
		}
	})
}

func sandboxExists(t *testing.T, a *App, user string) bool {
	t.Helper()
	ok, err := a.practice.exists(context.Background(), practiceKey(user))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func routes(t *testing.T, a *App, user string) bool {
	t.Helper()
	_, _, ok, err := a.practice.Route(context.Background(), user)
	if err != nil {
		t.Fatalf("Route(%s): %v", user, err)
	}
	return ok
}

// TestPracticeRestartAndMentorDelete: 重新练习 throws the trainee's
// sandbox away (what they had done is named) and gives a fresh one; a
// keeper who is no mentor may not 删除练习; a mentor asking for someone
// unknown is told how to say it; a mentor's 删除练习 removes the sandbox
// of a trainee in practice — they are told, their next message goes to
// the real system on this instance and on another that had the sandbox
// open, and 练习进度 no longer lists them.
func TestPracticeRestartAndMentorDelete(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		d := startDemo(t, mysql, service.SystemClock)
		ctx := context.Background()
		if _, err := demo.NewHistory(d.app.db, d.app.catalog, d.app.orders, d.app.tickets, service.SystemClock, d.app.cfg.Location()).Seed(ctx, 2); err != nil {
			t.Fatal(err)
		}
		removeSandboxesAtCleanup(t, d.app)
		// The history's open tickets are pushed to their holders at once;
		// send those before the conversation, so each answer below is the
		// reply to what was said.
		d.dispatch(t)
		d.runBot(t)
		w := newWeComUser(t, d)
		const trainee, mentor, keeper = "chenjie", "qianqiang", "wangjg"
		key := practiceKey(trainee)

		mustContain(t, "练习", joined(w.say(trainee, "练习", "")), "已进入练习模式：10 个练习订单")
		sb, err := d.app.practice.open(ctx, key, trainee, false)
		if err != nil || sb == nil {
			t.Fatalf("sandbox: %v", err)
		}
		var first model.Order
		if err := sb.db.Order("id").Take(&first).Error; err != nil {
			t.Fatal(err)
		}
		// Some practice to throw away: a refusal and a step.
		mustContain(t, "推进", joined(w.say(trainee, "推进 "+first.No+" 已确认", "")), "还缺")
		promise := time.Now().Add(72 * time.Hour).In(d.app.cfg.Location()).Format("2006-01-02 15:04")
		mustContain(t, "推进", joined(w.say(trainee, "推进 "+first.No+" 已确认 交期="+promise, "")), "已推进")

		// Restart, sent while practising: run by the real system.
		got := joined(w.say(trainee, "重新练习", ""))
		mustContain(t, "重新练习", got, "已删除您原来的练习库", "完成 0/10 单，被拒绝 1 次", "10 个新的练习订单")
		if strings.HasPrefix(got, bot.PracticeMark) {
			t.Errorf("重新练习 was answered by the sandbox: %s", got)
		}
		if !routes(t, d.app, trainee) {
			t.Fatal("after 重新练习 the trainee is not practising")
		}
		sb, err = d.app.practice.open(ctx, key, trainee, false)
		if err != nil || sb == nil {
			t.Fatalf("fresh sandbox: %v", err)
		}
		var moved, refusals int64
		sb.db.Model(&model.Order{}).Where("stage <> ?", d.app.orders.Pipeline().Stages()[0].Key).Count(&moved)
		sb.db.Model(&model.PracticeRefusal{}).Count(&refusals)
		var orders int64
		sb.db.Model(&model.Order{}).Count(&orders)
		if moved != 0 || refusals != 0 || orders != 10 {
			t.Errorf("fresh sandbox: %d orders, %d moved, %d refusals; want 10, 0, 0", orders, moved, refusals)
		}

		// A second instance has the sandbox open and listed.
		other, err := Open(ctx, d.app.cfg, modeltest.Log(), service.SystemClock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(other.Close)
		installSDK(d.app.cfg.WeChat.APIBase, d.app.wecom.corp.APIBase)
		if !routes(t, other, trainee) {
			t.Fatal("the other instance does not route the trainee")
		}
		// Restarted (English alias) on this instance: the other one goes
		// on routing the trainee, to the fresh sandbox, not the old one.
		mustContain(t, "推进", joined(w.say(trainee, "推进 "+first.No+" 已确认", "")), "还缺")
		mustContain(t, "practice restart", joined(w.say(trainee, "practice restart", "")), "已删除您原来的练习库", "完成 0/10 单，被拒绝 1 次")
		if !routes(t, other, trainee) {
			t.Fatal("after a restart on another instance the trainee is not routed")
		}
		osb, err := other.practice.open(ctx, key, trainee, false)
		if err != nil || osb == nil {
			t.Fatalf("sandbox on the other instance: %v", err)
		}
		osb.db.Model(&model.PracticeRefusal{}).Count(&refusals)
		osb.db.Model(&model.Order{}).Count(&orders)
		if refusals != 0 || orders != 10 {
			t.Errorf("the other instance reads %d orders, %d refusals after the restart; want the fresh 10, 0", orders, refusals)
		}

		got = joined(w.say(keeper, "删除练习 陈杰", ""))
		mustContain(t, "删除练习 (keeper)", got, "只有带教", "重新练习")
		if !sandboxExists(t, d.app, trainee) {
			t.Fatal("a keeper who is no mentor removed a sandbox")
		}
		if strings.Contains(joined(w.say(keeper, "帮助", "")), "删除练习") {
			t.Error("帮助 offers 删除练习 to a keeper who is no mentor")
		}
		mustContain(t, "帮助 (mentor)", joined(w.say(mentor, "帮助", "")), "删除练习")
		mustContain(t, "删除练习 nobody", joined(w.say(mentor, "删除练习 张三丰", "")), "没有找到员工「张三丰」", "删除练习 陈杰")
		mustContain(t, "删除练习 no sandbox", joined(w.say(mentor, "删除练习 wangjg", "")), "王建国（wangjg）没有练习库")
		mustContain(t, "删除练习", joined(w.say(mentor, "删除练习", "")), "用法：删除练习 <姓名或账号>")

		sent := len(d.app.localWeCom.Sent())
		got = joined(w.say(mentor, "删除练习 陈杰", ""))
		mustContain(t, "删除练习 陈杰", got, "已删除 陈杰（chenjie）的练习库", "完成 0/10 单", "正在练习", "已通知他本人")
		if sandboxExists(t, d.app, trainee) {
			t.Fatal("the sandbox is still there")
		}
		told := false
		for _, s := range d.app.localWeCom.Sent()[sent:] {
			if s.ToUser == trainee && strings.Contains(s.Content, "钱强 删除了您的练习库") {
				told = true
			}
		}
		if !told {
			t.Error("the trainee was not told")
		}
		// Removed on this instance; the other still has its handle and
		// (MySQL) its list from before: the trainee goes to the real
		// system there too, without an error.
		if routes(t, other, trainee) || routes(t, d.app, trainee) {
			t.Fatal("a removed sandbox is still routed")
		}
		if got := joined(w.say(trainee, "待办", "")); strings.Contains(got, bot.PracticeMark) {
			t.Errorf("after 删除练习 the trainee is still in practice: %s", got)
		}
		mustContain(t, "删除练习 again", joined(w.say(mentor, "practice delete chenjie", "")), "陈杰（chenjie）没有练习库")
		if got := joined(w.say(mentor, "练习进度", "")); strings.Contains(got, "陈杰") {
			t.Errorf("练习进度 lists a removed sandbox: %s", got)
		}
		if ps, err := other.practice.All(ctx); err != nil || len(ps) != 0 {
			t.Errorf("the other instance's progress: %d trainees, %v; want none", len(ps), err)
		}
	})
}

// TestPracticeExpiry: with keep_days 30 and an injected clock, the keeper
// removes exactly the sandboxes whose last use — the session's start or
// last change, or the newest message the trainee sent there — is more
// than 30 days old; a trainee still practising in one removed is told,
// once; two instances expiring at the same moment both succeed and remove
// each sandbox once between them.
func TestPracticeExpiry(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		clock := testclock.New(time.Now().UTC().Truncate(time.Second))
		d := startDemo(t, mysql, clock.Now)
		ctx := context.Background()
		if _, err := demo.NewHistory(d.app.db, d.app.catalog, d.app.orders, d.app.tickets, service.SystemClock, d.app.cfg.Location()).Seed(ctx, 2); err != nil {
			t.Fatal(err)
		}
		removeSandboxesAtCleanup(t, d.app)
		other, err := Open(ctx, d.app.cfg, modeltest.Log(), clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(other.Close)
		if d.app.cfg.Practice.KeepDays != 30 {
			t.Fatalf("keep_days default %d, want 30", d.app.cfg.Practice.KeepDays)
		}
		const day = 24 * time.Hour
		begin := func(user string) {
			t.Helper()
			if _, err := (realPractice{p: d.app.practice}).Begin(ctx, service.Actor{ID: user}); err != nil {
				t.Fatal(err)
			}
		}
		// Day 0: three trainees begin. idle ends at once and is never
		// back; ended ends on day 20; chatty goes on practising and sends
		// a message there on day 10.
		const idle, ended, chatty = "chenjie", "liuyang", "zhoumin"
		for _, u := range []string{idle, ended, chatty} {
			begin(u)
		}
		if err := (realPractice{p: d.app.practice}).End(ctx, service.Actor{ID: idle}); err != nil {
			t.Fatal(err)
		}
		clock.Add(10 * day)
		sb, err := d.app.practice.open(ctx, practiceKey(chatty), chatty, false)
		if err != nil || sb == nil {
			t.Fatalf("sandbox: %v", err)
		}
		if _, _, err := sb.inbox.Record(ctx, service.InboundMessage{Key: "msg:chatty-day10", From: chatty, Type: "text", Content: "待办", SentAt: clock.Now()}, time.Minute); err != nil {
			t.Fatal(err)
		}
		clock.Add(10 * day)
		if err := (realPractice{p: d.app.practice}).End(ctx, service.Actor{ID: ended}); err != nil {
			t.Fatal(err)
		}
		expire := func(in *App) []string {
			t.Helper()
			removed, err := in.practice.keeper().Expire(ctx)
			if err != nil {
				t.Fatalf("Expire: %v", err)
			}
			var users []string
			for _, u := range removed {
				users = append(users, u.UserID)
			}
			return users
		}
		// Day 30: nothing is more than 30 days old.
		clock.Add(10 * day)
		if got := expire(d.app); len(got) != 0 {
			t.Fatalf("day 30 removed %v", got)
		}
		// Day 31, two instances at once: only idle (day 0) goes. chatty's
		// session is as old, but its message of day 10 is its last use.
		clock.Add(day + time.Minute)
		got := expireAtOnce(t, d.app, other)
		all := append(append([]string{}, got[0]...), got[1]...)
		if len(all) == 0 || len(all) > 2 || all[0] != idle || (len(all) == 2 && all[1] != idle) {
			t.Fatalf("day 31 removed %q and %q, want %s (by one instance or both)", got[0], got[1], idle)
		}
		for u, want := range map[string]bool{idle: false, ended: true, chatty: true} {
			if sandboxExists(t, d.app, u) != want {
				t.Errorf("day 31: %s's sandbox there = %v, want %v", u, !want, want)
			}
		}
		if routes(t, other, idle) {
			t.Error("an expired sandbox is routed")
		}
		// idle had ended practice: nobody to tell.
		var notices int64
		d.app.db.Model(&model.Outbox{}).Where("msg_type = ?", service.MsgTypePracticeExpired).Count(&notices)
		if notices != 0 {
			t.Errorf("%d notices for a trainee who had left practice", notices)
		}

		// Day 41: chatty (still practising, last used day 10) goes and is
		// told once though both instances expire; ended (day 20) stays.
		clock.Add(10 * day)
		got = expireAtOnce(t, d.app, other)
		if len(got[0])+len(got[1]) == 0 {
			t.Fatal("day 41 removed nothing")
		}
		for _, u := range append(got[0], got[1]...) {
			if u != chatty {
				t.Errorf("day 41 removed %s", u)
			}
		}
		if sandboxExists(t, d.app, chatty) || !sandboxExists(t, d.app, ended) {
			t.Error("day 41: want chatty's sandbox gone and ended's kept")
		}
		var rows []model.Outbox
		d.app.db.Where("msg_type = ?", service.MsgTypePracticeExpired).Find(&rows)
		if len(rows) != 1 || rows[0].ToUser != chatty {
			t.Fatalf("notices: %+v, want one to %s", rows, chatty)
		}
		msg, err := bot.Render(service.Outgoing{MsgType: rows[0].MsgType, Body: []byte(rows[0].Body)}, d.app.cfg.Location())
		if err != nil || !strings.Contains(string(msg.Body), "30 天没有用过") {
			t.Errorf("notice rendered: %s, %v", msg.Body, err)
		}

		// keep_days 0 keeps everything.
		d.app.practice.cfg.Practice.KeepDays = 0
		clock.Add(365 * day)
		if got := expire(d.app); len(got) != 0 || !sandboxExists(t, d.app, ended) {
			t.Errorf("keep_days 0 removed %v", got)
		}
		if !mysql {
			if _, err := os.Stat(d.app.practice.sqlitePath(practiceKey(idle))); !os.IsNotExist(err) {
				t.Errorf("the expired sandbox's file: %v", err)
			}
		}
	})
}

// expireAtOnce runs the expiry on two instances at the same moment and
// returns whom each removed.
func expireAtOnce(t *testing.T, a, b *App) [2][]string {
	t.Helper()
	var wg sync.WaitGroup
	var got [2][]string
	for i, in := range []*App{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			removed, err := in.practice.keeper().Expire(context.Background())
			if err != nil {
				t.Errorf("instance %d: Expire: %v", i, err)
			}
			for _, u := range removed {
				got[i] = append(got[i], u.UserID)
			}
		}()
	}
	wg.Wait()
	return got
}
