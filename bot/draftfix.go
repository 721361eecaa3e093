package bot

import (
	"context"
	"strconv"
	"strings"

	"orderhub/model"
	"orderhub/service"
)

// fixDraft is 改 <行号> <SKU或名称> [数量] (or 改 <行号> 删): one line of
// the sender's open draft put right, the draft shown again.
func (b *Bot) fixDraft(ctx context.Context, m model.Inbound, c Command) (service.Handled, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(c.Args[0], "第"), "行"))
	if err != nil || n < 1 {
		return b.answer(ctx, m, "「"+c.Args[0]+"」不是行号。要写成：改 2 NUT-M8 20（第 2 行改成 NUT-M8 20 个），或 改 3 删")
	}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Rest), c.Args[0]))
	return b.write(ctx, m, b.renderDraft(m), func(ctx context.Context) error {
		_, err := b.d.Intakes.FixLine(ctx, m.FromUser, n, rest)
		return err
	})
}
