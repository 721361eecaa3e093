package service

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
)

// FixLine changes one line of author's open draft (改 2 NUT-M8 20 in
// chat) so that a slip read with one line wrong need not be typed again:
// text is the line as it should read — an item and a quantity, an item
// alone (the quantity stays), a quantity alone (the item stays), or 删 to
// drop the line. Only that line is matched again; the others, and any
// candidate already picked, stay as they are.
func (s *Intakes) FixLine(ctx context.Context, author string, n int, text string) (_ IntakeView, err error) {
	defer wrapOp(&err, "Intakes.FixLine")
	it, doc, err := s.openDraft(ctx, author)
	if err != nil {
		return IntakeView{}, err
	}
	if n < 1 || n > len(doc.Lines) {
		return IntakeView{}, invalid("line", CodeOutOfRange, "草稿 #%d 只有 %d 行，行号要在 1–%d 之间", it.ID, len(doc.Lines), len(doc.Lines))
	}
	words := strings.Fields(widthFold(text))
	if len(words) == 0 {
		return IntakeView{}, invalid("line", CodeRequired, "要写成：改 %d <SKU或名称> <数量>，或 改 %d 删", n, n)
	}
	db := s.db.WithContext(ctx)
	switch words[0] {
	case "删", "删除", "delete", "del":
		if len(doc.Lines) == 1 {
			return IntakeView{}, invalid("line", CodeRequired, "草稿只剩这一行：不要了就发「取消」")
		}
		doc.Lines = append(doc.Lines[:n-1], doc.Lines[n:]...)
	default:
		l := doc.Lines[n-1]
		name := words
		if m := qtyWord.FindStringSubmatch(words[len(words)-1]); m != nil {
			q, perr := strconv.ParseInt(m[1], 10, 64)
			if perr != nil || q <= 0 {
				return IntakeView{}, invalid("qty", CodeInvalidQty, "数量要是正整数")
			}
			l.Qty, l.Unit, name = q, m[2], words[:len(words)-1]
		}
		if len(name) > 0 {
			l = IntakeLine{Name: strings.Join(name, " "), Qty: l.Qty, Unit: l.Unit}
			ix, err := s.catalog.index(db, s.clock())
			if err != nil {
				return IntakeView{}, err
			}
			if err := matchLine(db, ix, "", &l); err != nil {
				return IntakeView{}, err
			}
		}
		doc.Lines[n-1] = l
	}
	if err := s.available(db, doc.Lines); err != nil {
		return IntakeView{}, err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return IntakeView{}, err
	}
	var v IntakeView
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		now := s.clock()
		// The draft as read: a 确认 or another 改 in between wins, and
		// this one is refused rather than writing over it.
		res := model.Row(tx, &model.Intake{}).Where("id = ? AND state = ? AND updated_at = ?", it.ID, model.IntakeDraft, it.UpdatedAt).
			Updates(map[string]any{"body": string(body), "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNoDraft
		}
		it.Body, it.UpdatedAt = string(body), now
		v = IntakeView{Intake: it, Doc: doc, Problems: doc.Problems(), ChannelName: s.ChannelName(it.Channel)}
		return finish(ctx, tx, now, Outcome{Intake: &v})
	})
	return v, err
}
