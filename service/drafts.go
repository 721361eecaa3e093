package service

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
)

// Drafts: an order typed in chat (下单 …) or read from a slip photo is
// first a draft its author sees — customer, lines with what is free, what
// did not match, the address on file — and nothing is placed until the
// same person confirms. Drafts are rows (intakes, state draft), so a draft
// survives a restart and never depends on Redis.

// DraftInput is an order as a person typed it or a slip showed it.
type DraftInput struct {
	Author string // WeCom userid: only they may confirm
	Actor  Actor
	// Key is the chat message's key: running the same message again finds
	// the draft it made instead of making a second one.
	Key      string
	Source   string // model.SourceChat or model.SourcePhoto
	Customer string // code, name or phone, as typed
	Lines    []IntakeLine
	Remark   string
	Address  string // as typed; empty: the customer's on file
	Photo    string // the slip photo, under the data dir
	OCRText  string
}

// Draft records a draft for its author, replacing any open draft of
// theirs, with what it matched and what is available.
func (s *Intakes) Draft(ctx context.Context, in DraftInput) (IntakeView, error) {
	if in.Author == "" || in.Key == "" {
		return IntakeView{}, invalid("author", CodeRequired, "草稿需要发送人和消息")
	}
	if err := checkText("remark", in.Remark, 500, false); err != nil {
		return IntakeView{}, err
	}
	if len(in.Lines) > MaxOrderLines {
		return IntakeView{}, invalid("lines", CodeTooManyLines, "一张订单最多 %d 行", MaxOrderLines)
	}
	if err := checkText("address", in.Address, 255, false); err != nil {
		return IntakeView{}, err
	}
	doc := IntakeDoc{Remark: in.Remark, Lines: in.Lines, OCRText: in.OCRText, AddressText: in.Address}
	cust := strings.TrimSpace(in.Customer)
	doc.Customer = CustomerRef{Code: cust, Name: cust}
	if p, ok := NormalizePhone(cust); ok {
		doc.Customer = CustomerRef{Phone: p}
	}
	db := s.db.WithContext(ctx)
	if err := s.normalise(db, "", &doc, true); err != nil {
		return IntakeView{}, err
	}
	if doc.CustomerID != 0 {
		var c model.Customer
		if err := db.Where("id = ?", doc.CustomerID).Take(&c).Error; err != nil {
			return IntakeView{}, err
		}
		doc.OnFile = c.Address
		if doc.OnFile == "" {
			var last model.Order
			if err := db.Where("customer_id = ? AND address <> ''", c.ID).Order("id DESC").Limit(1).Find(&last).Error; err != nil {
				return IntakeView{}, err
			}
			doc.OnFile = last.Address
		}
	}
	if err := s.available(db, doc.Lines); err != nil {
		return IntakeView{}, err
	}
	channel, source := ChannelWeCom, model.SourceChat
	if in.Source == model.SourcePhoto {
		channel, source = ChannelSlip, model.SourcePhoto
	}
	now := s.clock()
	exp := now.Add(s.draftTTL)
	it := model.Intake{Source: source, Channel: channel, ExternalID: "msg:" + trunc(in.Key, 120), State: model.IntakeDraft,
		Author: in.Author, Photo: in.Photo, ExpiresAt: &exp}
	var v IntakeView
	err := inTx(ctx, s.db, func(tx *gorm.DB) error {
		// One open draft per person: a new 下单 replaces the last one.
		if err := tx.Model(&model.Intake{}).Where("author = ? AND state = ?", in.Author, model.IntakeDraft).
			Updates(map[string]any{"state": model.IntakeCancelled, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := s.insert(tx, &it, doc); err != nil {
			return err
		}
		v = IntakeView{Intake: it, Doc: doc, Problems: doc.Problems(), ChannelName: s.ChannelName(channel)}
		return finish(ctx, tx, now, Outcome{Intake: &v})
	})
	return v, err
}

// available fills each matched line's free stock across warehouses.
func (s *Intakes) available(db *gorm.DB, lines []IntakeLine) error {
	for i := range lines {
		if lines[i].ProductID == 0 {
			continue
		}
		var n int64
		if err := db.Model(&model.Stock{}).Select("COALESCE(SUM(on_hand - locked), 0)").Where("product_id = ?", lines[i].ProductID).Scan(&n).Error; err != nil {
			return err
		}
		lines[i].Available = &n
	}
	return nil
}

// openDraft finds author's open draft; an expired one is marked so.
func (s *Intakes) openDraft(ctx context.Context, author string) (model.Intake, IntakeDoc, error) {
	var it model.Intake
	var doc IntakeDoc
	db := s.db.WithContext(ctx)
	if err := db.Where("author = ? AND state = ?", author, model.IntakeDraft).Order("id DESC").Limit(1).Find(&it).Error; err != nil {
		return it, doc, err
	}
	if it.ID == 0 {
		return it, doc, ErrNoDraft
	}
	if it.ExpiresAt != nil && !s.clock().Before(*it.ExpiresAt) {
		if err := model.Row(db, &model.Intake{}).Where("id = ? AND state = ?", it.ID, model.IntakeDraft).
			Updates(map[string]any{"state": model.IntakeExpired, "updated_at": s.clock()}).Error; err != nil {
			return it, doc, err
		}
		return it, doc, &DraftExpiredError{ID: it.ID}
	}
	return it, doc, json.Unmarshal([]byte(it.Body), &doc)
}

// DraftExpiredError is a confirmation that came too late.
type DraftExpiredError struct{ ID uint64 }

func (e *DraftExpiredError) Error() string { return fmt.Sprintf("草稿 #%d 已过期", e.ID) }
func (e *DraftExpiredError) Unwrap() error { return ErrConflict }
func (e *DraftExpiredError) Code() string  { return "draft_expired" }

// DraftIncompleteError refuses to place a draft with unmatched parts.
type DraftIncompleteError struct {
	ID       uint64
	Problems []Problem
}

func (e *DraftIncompleteError) Error() string {
	return fmt.Sprintf("草稿 #%d 还有 %d 处没有对上", e.ID, len(e.Problems))
}
func (e *DraftIncompleteError) Unwrap() error { return ErrConflict }
func (e *DraftIncompleteError) Code() string  { return "draft_incomplete" }

// Confirm places author's open draft through the normal placement path.
// Only the author can: the draft is found by who confirms.
func (s *Intakes) Confirm(ctx context.Context, author string, actor Actor) (IntakeView, error) {
	it, doc, err := s.openDraft(ctx, author)
	if err != nil {
		return IntakeView{}, err
	}
	if ps := doc.Problems(); len(ps) > 0 {
		return IntakeView{}, &DraftIncompleteError{ID: it.ID, Problems: ps}
	}
	return s.place(ctx, it, doc, actor)
}

// Discard drops author's open draft (取消).
func (s *Intakes) Discard(ctx context.Context, author string) (IntakeView, error) {
	it, doc, err := s.openDraft(ctx, author)
	if err != nil {
		return IntakeView{}, err
	}
	var v IntakeView
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		now := s.clock()
		res := model.Row(tx, &model.Intake{}).Where("id = ? AND state = ?", it.ID, model.IntakeDraft).
			Updates(map[string]any{"state": model.IntakeCancelled, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNoDraft
		}
		it.State = model.IntakeCancelled
		v = IntakeView{Intake: it, Doc: doc, ChannelName: s.ChannelName(it.Channel)}
		return finish(ctx, tx, now, Outcome{Intake: &v})
	})
	return v, err
}

// DropDraft ends author's open draft, if any, and says which (0: none).
// A new order the person started — a slip photo — that made no draft of
// its own calls it: their next 确认 is meant for that order, never for
// an older draft left open (say, by a 确认 refused for stock), which a
// restock would otherwise let it place (issue 25 #19).
func (s *Intakes) DropDraft(ctx context.Context, author string) (uint64, error) {
	var open []model.Intake
	if err := s.db.WithContext(ctx).Where("author = ? AND state = ?", author, model.IntakeDraft).Find(&open).Error; err != nil || len(open) == 0 {
		return 0, err
	}
	now := s.clock()
	var dropped uint64
	err := inTx(ctx, s.db, func(tx *gorm.DB) error {
		dropped = 0
		for _, it := range open {
			res := model.Row(tx, &model.Intake{}).Where("id = ? AND state = ?", it.ID, model.IntakeDraft).
				Updates(map[string]any{"state": model.IntakeCancelled, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				dropped = max(dropped, it.ID)
			}
		}
		return nil
	})
	return dropped, err
}

// MayReview reports whether a can resolve held orders.
func (s *Intakes) MayReview(a Actor) bool { return s.mayReview(a) }

// QuickEntry is an order as typed after 下单, or read off a slip.
type QuickEntry struct {
	Customer string
	Lines    []IntakeLine
	Remark   string
	Address  string // after 地址; else the customer's on file
}

// qtyWord is a quantity as typed on a phone: 20, 20箱, ×20, x20盒.
var qtyWord = regexp.MustCompile(`^[×xX*]?(\d{1,7})(个|箱|盒|件|只|卷|套|包|支|条|根|米|桶|袋|把|片|副|对|台|瓶|pcs|PCS)?$`)

// ParseQuickEntry reads "<客户> <SKU或名称> <数量> [<SKU或名称> <数量> ...]
// [地址 <地址>] [备注 <文字>]": a name may be several words ("六角 螺栓 M8 20箱"); a
// quantity may carry a unit (个, 箱, 盒 …). Full-width digits and spaces are
// read as their ASCII forms. It says what it could not read, in Chinese.
func ParseQuickEntry(text string) (QuickEntry, error) {
	var q QuickEntry
	text = widthFold(text)
	// 备注 and 地址 end the items, in either order.
	body := text
	for _, label := range []string{"备注", "地址"} {
		i := strings.Index(text, label)
		if i < 0 {
			continue
		}
		if i < len(body) {
			body = text[:i]
		}
		val := text[i+len(label):]
		for _, other := range []string{"备注", "地址"} {
			if j := strings.Index(val, other); j >= 0 && other != label {
				val = val[:j]
			}
		}
		if label == "备注" {
			q.Remark = strings.TrimSpace(val)
		} else {
			q.Address = strings.TrimSpace(val)
		}
	}
	words := strings.Fields(body)
	if len(words) < 2 {
		return q, invalid("text", CodeQuickEntryShort, "格式：下单 <客户> <SKU或名称> <数量>，例如：下单 C1 螺栓M8 20箱")
	}
	q.Customer = words[0]
	var name []string
	for _, w := range words[1:] {
		m := qtyWord.FindStringSubmatch(w)
		if m == nil {
			name = append(name, w)
			continue
		}
		if len(name) == 0 {
			return q, invalid("text", CodeQuickEntryQtyAlone, "数量「%s」前面缺少商品（SKU或名称）", w)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		if n <= 0 {
			return q, invalid("text", CodeQuickEntryQty, "「%s」的数量要大于 0", strings.Join(name, " "))
		}
		q.Lines = append(q.Lines, IntakeLine{Name: strings.Join(name, " "), Qty: n, Unit: m[2]})
		name = nil
	}
	if len(name) > 0 {
		return q, invalid("text", CodeQuickEntryNoQty, "「%s」后面缺少数量，例如：%s 20箱", strings.Join(name, " "), strings.Join(name, " "))
	}
	return q, nil
}

// widthFold turns full-width ASCII and the ideographic space into ASCII.
func widthFold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		case r == '，' || r == '；' || r == '、':
			return ' '
		}
		return r
	}, s)
}
