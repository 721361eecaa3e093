package service

import (
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// cardUpdates are the update_template_card calls of a change: the tapped
// card by its click's code, and every other card of the ticket by the code
// WeCom answered when it was sent. A response code works once and for
// 72 h, so each update is keyed by its code (never queued twice), and a
// code already used or too old is skipped.
func cardUpdates(tx *gorm.DB, tk model.Ticket, actor Actor, click *CardClick, now time.Time) ([]Message, error) {
	var tasks []model.CardTask
	if err := tx.Where("ticket_id = ?", tk.ID).Order("id").Find(&tasks).Error; err != nil {
		return nil, err
	}
	if len(tasks) == 0 {
		return nil, nil
	}
	update := func(task model.CardTask, code string) Message {
		return Message{To: strings.Split(task.ToUser, "|"), Type: MsgTypeTicketCards, Key: cardUpdateKey(code),
			Body: TicketChange{ResponseCode: code, TicketNo: tk.No, State: tk.State, By: actor.Name}}
	}
	type pending struct {
		task model.CardTask
		code string
	}
	var cands []pending
	tapped := ""
	if click != nil && click.ResponseCode != "" && now.Sub(click.At) <= cardCodeLife {
		for _, task := range tasks {
			if task.TaskID == click.TaskID {
				// The tapped card's own send code stays unused, for a
				// later change (a resolve after this ack).
				tapped = task.TaskID
				cands = append(cands, pending{task, click.ResponseCode})
			}
		}
	}
	keys := make([]string, 0, len(tasks))
	for _, task := range tasks {
		if task.OutboxKey != "" && task.TaskID != tapped {
			keys = append(keys, task.OutboxKey)
		}
	}
	if len(keys) > 0 {
		var sent []model.Outbox
		if err := tx.Select("id, `key`, response_code").Where("`key` IN ? AND state = ? AND response_code <> '' AND sent_at > ?",
			keys, model.OutboxSent, now.Add(-cardCodeLife)).Find(&sent).Error; err != nil {
			return nil, err
		}
		codes := map[string]string{}
		for _, r := range sent {
			codes[*r.Key] = r.ResponseCode
		}
		for _, task := range tasks {
			if code := codes[task.OutboxKey]; code != "" && task.TaskID != tapped {
				cands = append(cands, pending{task, code})
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	// A code whose update is already queued was used by an earlier change:
	// that card shows what happened then, and cannot change again.
	ks := make([]string, len(cands))
	for i, c := range cands {
		ks[i] = cardUpdateKey(c.code)
	}
	var used []string
	if err := tx.Model(&model.Outbox{}).Where("`key` IN ?", ks).Pluck("key", &used).Error; err != nil {
		return nil, err
	}
	var out []Message
	for _, c := range cands {
		if !slices.Contains(used, cardUpdateKey(c.code)) {
			out = append(out, update(c.task, c.code))
		}
	}
	return out, nil
}

func cardUpdateKey(code string) string { return "card:" + shortHash(code) }
