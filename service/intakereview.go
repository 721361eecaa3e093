package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// Reading intakes and the review of held ones: list, resolve, dismiss.

// Get returns one intake.
func (s *Intakes) Get(ctx context.Context, id uint64) (IntakeView, error) {
	var it model.Intake
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&it).Error; err != nil {
		return IntakeView{}, notFound(err, "intake", strconv.FormatUint(id, 10))
	}
	v, _, err := s.view(ctx, it)
	return v, err
}

// ForOrder returns the intake an order was placed from, if any.
func (s *Intakes) ForOrder(ctx context.Context, orderID uint64) (*model.Intake, error) {
	var it model.Intake
	if err := s.db.WithContext(ctx).Where("order_id = ?", orderID).Limit(1).Find(&it).Error; err != nil {
		return nil, err
	}
	if it.ID == 0 {
		return nil, nil
	}
	return &it, nil
}

// IntakeFilter selects intakes to list.
type IntakeFilter struct {
	State, Channel string
	Page, Size     int
}

// List returns intakes, newest first.
func (s *Intakes) List(ctx context.Context, f IntakeFilter) ([]IntakeView, int64, error) {
	page, size := pageBounds(f.Page, f.Size)
	q := s.db.WithContext(ctx).Model(&model.Intake{})
	if f.State != "" {
		switch f.State {
		case model.IntakeReview, model.IntakeDraft, model.IntakePlaced, model.IntakeCancelled, model.IntakeExpired:
		default:
			return nil, 0, invalid("state", CodeUnknownState, "state 须为 needs_review、draft、placed、cancelled 或 expired")
		}
		q = q.Where("state = ?", f.State)
	}
	if f.Channel != "" {
		q = q.Where("channel = ?", f.Channel)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var its []model.Intake
	if err := q.Order("id DESC").Offset((page - 1) * size).Limit(size).Find(&its).Error; err != nil {
		return nil, 0, err
	}
	out := make([]IntakeView, len(its))
	for i, it := range its {
		out[i] = IntakeView{Intake: it, ChannelName: s.ChannelName(it.Channel)}
		if err := json.Unmarshal([]byte(it.Body), &out[i].Doc); err != nil {
			return nil, 0, err
		}
		if it.State == model.IntakeReview || it.State == model.IntakeDraft {
			out[i].Problems = out[i].Doc.Problems()
		}
	}
	return out, total, nil
}

// Resolution is a person's picks for a held intake.
type Resolution struct {
	// Customer is the customer's code.
	Customer string
	// Lines maps a line's index (from 0) to the SKU picked for it.
	Lines map[int]string
	// Remember adds the channel's product code of each picked line to the
	// channel's alias table, so that the next order matches by itself.
	Remember bool
	Actor    Actor
}

// Resolve applies a person's picks to an intake held for review and, when
// nothing is left unmatched, places it like any order (the same
// reservation, stages and escalation). Picks are kept even when the order
// cannot be placed yet (no stock): it stays in review.
func (s *Intakes) Resolve(ctx context.Context, id uint64, r Resolution) (IntakeView, error) {
	if !s.mayReview(r.Actor) {
		return IntakeView{}, &ForbiddenError{Actor: r.Actor.Label(), Need: []string{s.reviewRole}, What: "复核待处理来单"}
	}
	var it model.Intake
	var doc IntakeDoc
	// Saving the picks is an idempotent step (the same picks give the same
	// body; a remembered alias is inserted once): a chat 复核 resumed after
	// a crash saves them again and goes on to its answer.
	err := inTx(step(ctx), s.db, func(tx *gorm.DB) error {
		if err := forUpdate(tx.Where("id = ?", id)).Take(&it).Error; err != nil {
			return notFound(err, "intake", strconv.FormatUint(id, 10))
		}
		if it.State != model.IntakeReview && it.State != intakeNew {
			return Conflict(CodeIntakeNotInReview, "来单 #%d 是 %s，不在待复核", it.ID, it.State)
		}
		if err := json.Unmarshal([]byte(it.Body), &doc); err != nil {
			return err
		}
		if code := strings.TrimSpace(r.Customer); code != "" {
			var c model.Customer
			if err := tx.Where("code = ?", strings.ToUpper(code)).Take(&c).Error; err != nil {
				return notFound(err, "customer", code)
			}
			doc.setCustomer(c, "picked")
		}
		now := s.clock()
		for i, sku := range r.Lines {
			if i < 0 || i >= len(doc.Lines) {
				return invalid(fmt.Sprintf("lines[%d]", i), "no_such_line", "这单只有 %d 行", len(doc.Lines))
			}
			var p model.Product
			if err := tx.Where("sku = ?", NormalizeSKU(sku)).Take(&p).Error; err != nil {
				return notFound(err, "product", sku)
			}
			l := &doc.Lines[i]
			l.ProductID, l.MatchedSKU, l.MatchedName, l.By, l.Candidates = p.ID, p.SKU, p.Name, "picked", nil
			code := l.Code
			if code == "" && l.SKU != "" && NormalizeSKU(l.SKU) != p.SKU {
				code = l.SKU
			}
			if r.Remember && code != "" && it.Source == model.SourceChannel {
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&model.ProductAlias{Channel: it.Channel, Alias: code, ProductID: p.ID, CreatedAt: now}).Error; err != nil {
					return err
				}
			}
		}
		body, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		upd := map[string]any{"body": string(body), "updated_at": now}
		if doc.CustomerID != 0 {
			upd["customer_id"] = doc.CustomerID
		}
		it.Body = string(body)
		return tx.Model(&model.Intake{}).Where("id = ?", it.ID).Updates(upd).Error
	})
	if err != nil {
		return IntakeView{}, err
	}
	if len(doc.Problems()) > 0 {
		v, _, err := s.view(ctx, it)
		if err != nil {
			return v, err
		}
		return v, inTx(ctx, s.db, func(tx *gorm.DB) error {
			return finish(ctx, tx, s.clock(), Outcome{Intake: &v})
		})
	}
	return s.place(ctx, it, doc, r.Actor)
}

func (s *Intakes) mayReview(a Actor) bool {
	return a.HasRole(s.reviewRole) || s.orders.pipe.Supervisor(a)
}

// Dismiss drops an intake held for review (a test order, a duplicate
// sent under another id): nothing is placed.
func (s *Intakes) Dismiss(ctx context.Context, id uint64, actor Actor, reason string) (IntakeView, error) {
	if !s.mayReview(actor) {
		return IntakeView{}, &ForbiddenError{Actor: actor.Label(), Need: []string{s.reviewRole}, What: "作废待复核来单"}
	}
	if err := checkText("reason", reason, 200, false); err != nil {
		return IntakeView{}, err
	}
	res := model.Row(s.db.WithContext(ctx), &model.Intake{}).Where("id = ? AND state = ?", id, model.IntakeReview).
		Updates(map[string]any{"state": model.IntakeCancelled, "resolved_by": actor.Label(), "updated_at": s.clock()})
	if res.Error != nil {
		return IntakeView{}, res.Error
	}
	v, err := s.Get(ctx, id)
	if err == nil && res.RowsAffected == 0 {
		return v, Conflict(CodeIntakeNotInReview, "来单 #%d 是 %s，不在待复核", id, v.State)
	}
	return v, err
}

// ErrNoDraft is confirming or cancelling when there is no open draft.
var ErrNoDraft = &NotFoundError{What: "draft", Key: "open"}
