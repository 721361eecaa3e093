package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/service"
)

// rendered is rows as WeCom receives them: the notices service queued
// (service/notices.go) rendered the way the bot renders them when it
// sends the row (bot.Render), so tests read the words people read. The
// times in them are in UTC; no test here reads a time from a push.
func rendered(t *testing.T, rows []model.Outbox) []model.Outbox {
	t.Helper()
	out := make([]model.Outbox, len(rows))
	for i, r := range rows {
		m, err := bot.Render(service.Outgoing{ID: r.ID, ToUser: r.ToUser, MsgType: r.MsgType, Body: json.RawMessage(r.Body)}, time.UTC)
		if err != nil {
			t.Fatalf("render outbox row %d (%s): %v", r.ID, r.MsgType, err)
		}
		r.MsgType, r.Body = m.MsgType, string(m.Body)
		out[i] = r
	}
	return out
}
