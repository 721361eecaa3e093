package web

import (
	"testing"

	"orderhub/service/insight"
)

// TestFlagWords: the board's words for the clock states insight reports
// as facts (the level fired, whether a problem was taken on).
func TestFlagWords(t *testing.T) {
	for _, c := range []struct {
		f    insight.Flag
		want string
	}{
		{insight.Flag{Key: insight.StateEscalated, Level: 2}, "已升级·二级"},
		{insight.Flag{Key: insight.StateEscalated, Level: 7}, "已升级·五级"},
		{insight.Flag{Key: insight.StateOverdue}, "已超时"},
		{insight.Flag{Key: insight.StateTicket, Unacked: true}, "有异常·待接单"},
		{insight.Flag{Key: insight.StateTicket}, "有异常·处理中"},
		{insight.Flag{Key: insight.StateTransfer}, "等调拨"},
		{insight.Flag{Key: insight.StateAtRisk}, "有风险"},
		{insight.Flag{Key: insight.StateOnTrack}, "正常"},
	} {
		if got := flagWord(c.f); got != c.want {
			t.Errorf("flagWord(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}
