package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/apitime"
	"orderhub/model"
)

// Move is a request to move an order to another stage.
type Move struct {
	No     string
	To     string
	Fields map[string]string
	Actor  Actor
	Note   string
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Advance moves an order to the next stage of the pipeline (or to
// cancelled). It refuses a move the pipeline does not allow, one the
// actor's roles do not allow, and one that lacks the fields the next stage
// requires, naming them. The change and its timeline entry commit together.
func (o *Orders) Advance(ctx context.Context, mv Move) (_ Detail, err error) {
	defer wrapOp(&err, "Orders.Advance")
	if mv.To == StageCancelled {
		return o.Cancel(ctx, mv.No, mv.Actor, mv.Note)
	}
	fields, err := o.checkFields(mv.Fields)
	if err != nil {
		return Detail{}, err
	}
	if err := checkText("note", mv.Note, 500, false); err != nil {
		return Detail{}, err
	}

	no := strings.ToUpper(strings.TrimSpace(mv.No))
	var id uint64
	err = inTx(ctx, o.db, func(tx *gorm.DB) error {
		ord, err := lockOrder(tx, no, mv.Actor)
		if err != nil {
			return err
		}
		id = ord.ID
		// 交期=建议: the person takes the promised time orderhub proposes.
		var took *Proposal
		if fields["promised_at"] == ProposedWord {
			p, err := o.propose(tx, ord, o.clock())
			if err != nil {
				return err
			}
			fields["promised_at"], took = p.At.UTC().Format(time.RFC3339), &p
		}
		a, err := decideAdvance(o.pipe, o.loc, ord, mv, fields)
		var missing *MissingFieldsError
		if errors.As(err, &missing) && slices.Contains(missing.Fields, "promised_at") {
			if p, perr := o.propose(tx, ord, o.clock()); perr == nil {
				missing.Proposal = &p
			}
		}
		if err != nil {
			return err
		}
		if v, ok := fields[FieldWaybillPhoto]; ok {
			if err := uploadedPhoto(tx, ord, FieldWaybillPhoto, v); err != nil {
				return err
			}
		}
		if took != nil {
			mv.Note = strings.TrimSpace("交期按系统建议：" + took.Words(o.loc) + "。" + mv.Note)
		}
		next := a.next
		now := o.clock()
		if next.Key == StageShipped {
			if err := o.ship(tx, ord, mv.Actor, now); err != nil {
				return err
			}
		}
		ord.PromisedAt, ord.Carrier, ord.TrackingNo = a.promisedAt, a.carrier, a.trackingNo
		owner, err := o.pipe.nextOwner(tx, next.OwnerRole, ord, []string{o.pipe.Last().Key, StageCancelled}, now)
		if err != nil {
			return err
		}
		var ownerID *uint64
		if owner != nil {
			ownerID = &owner.ID
		}
		if err := moveStage(tx, stageMove{Order: ord, To: next.Key, DueAt: o.pipe.Due(next.Key, ord.WarehouseID, now), Owner: ownerID,
			Set:  map[string]any{"fields": a.fields, "promised_at": ord.PromisedAt, "carrier": ord.Carrier, "tracking_no": ord.TrackingNo},
			Kind: "stage", Actor: mv.Actor.Label(), Fields: a.given, Note: mv.Note, At: now}); err != nil {
			return err
		}
		if err := o.notifyStage(tx, ord, next.Key, now); err != nil {
			return err
		}
		if err := endStageWait(tx, o.pipe, ord, next.Key, now); err != nil {
			return err
		}
		return finish(ctx, tx, now, Outcome{Stage: &StageChange{OrderID: ord.ID, No: ord.No, From: ord.Stage, To: next.Key,
			Owner: owner, Carrier: ord.Carrier, TrackingNo: ord.TrackingNo}})
	})
	if err != nil {
		return Detail{}, err
	}
	o.m.StageChanges.WithLabelValues(mv.To).Inc()
	return o.get(ctx, o.db.WithContext(ctx).Where("id = ?", id), no)
}

// advance is what a move does to an order, as decideAdvance decided it.
type advance struct {
	next config.Stage
	// fields is the order's fields after the move (JSON), given the
	// fields the move gave (JSON, for the timeline).
	fields, given       string
	promisedAt          *time.Time
	carrier, trackingNo string
}

// decideAdvance decides a move from the order as loaded and the request
// alone, without the database: whether the pipeline allows it (only the
// next stage), whether the actor's roles do, whether the fields the next
// stage requires are there (given now or earlier), and the order's
// fields, promised time, carrier and waybill after it. fields are the
// move's fields as checkFields returned them.
func decideAdvance(pipe *Pipeline, loc *time.Location, ord model.Order, mv Move, fields map[string]string) (advance, error) {
	next, ok := pipe.Next(ord.Stage)
	if !ok || next.Key != mv.To {
		if _, known := pipe.Stage(mv.To); !known {
			return advance{}, invalid("to", CodeUnknownStage, "没有阶段 %q；阶段有 %s", mv.To, strings.Join(stageKeys(pipe), ", "))
		}
		return advance{}, &TransitionError{From: ord.Stage, To: mv.To, Allowed: pipe.Allowed(ord.Stage)}
	}
	if !pipe.MayMove(mv.Actor, ord.Stage) {
		cur, _ := pipe.Stage(ord.Stage)
		return advance{}, &ForbiddenError{Actor: mv.Actor.Label(), Need: append([]string{cur.OwnerRole}, pipe.supervisorRoles...),
			What: fmt.Sprintf("把订单移出「%s」", cur.Name)}
	}
	have := map[string]string{}
	_ = json.Unmarshal([]byte(ord.Fields), &have)
	if ord.PromisedAt != nil {
		have["promised_at"] = ord.PromisedAt.Format(time.RFC3339)
	}
	var missing []string
	for _, f := range next.Requires {
		if fields[f] == "" && have[f] == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return advance{}, &MissingFieldsError{Stage: next.Key, Fields: missing}
	}
	a := advance{next: next, promisedAt: ord.PromisedAt, carrier: ord.Carrier, trackingNo: ord.TrackingNo}
	for k, v := range fields {
		have[k] = v
	}
	if v, ok := fields["promised_at"]; ok {
		t, _ := ParseLocalTime(v, loc)
		a.promisedAt = &t
		have["promised_at"] = t.Format(time.RFC3339)
	}
	if v, ok := fields["carrier"]; ok {
		a.carrier = v
	}
	if v, ok := fields["tracking_no"]; ok {
		a.trackingNo = v
	}
	blob, _ := json.Marshal(have)
	given, _ := json.Marshal(fields)
	a.fields, a.given = string(blob), string(given)
	return a, nil
}

// checkFields validates stage fields as given: names, sizes, and the
// values of the fields orderhub itself understands.
func (o *Orders) checkFields(in map[string]string) (map[string]string, error) {
	if len(in) > 20 {
		return nil, invalid("fields", CodeTooManyFields, "最多 20 个字段")
	}
	out := make(map[string]string, len(in))
	for _, k := range sortedKeys(in) {
		v := strings.TrimSpace(in[k])
		name := strings.ToLower(strings.TrimSpace(k))
		if !fieldName.MatchString(name) {
			return nil, invalid("fields", CodeInvalidField, "%q 不是字段名（小写字母、数字、_）", k)
		}
		if v == "" {
			return nil, invalid("fields."+name, CodeRequired, "是空的")
		}
		max := 255 // stored in the order's fields (text)
		switch name {
		case "carrier":
			max = MaxCarrier // orders.carrier
		case "tracking_no":
			max = MaxTrackingNo // orders.tracking_no
		}
		if utf8.RuneCountInString(v) > max {
			return nil, invalid("fields."+name, CodeTooLong, "超过 %d 个字", max)
		}
		if name == "promised_at" && (v == ProposedWord || v == "建议") {
			v = ProposedWord
		} else if name == "promised_at" {
			t, err := ParseLocalTime(v, o.loc)
			if err != nil {
				return nil, invalid("fields.promised_at", CodeInvalidTime, "%q 不是时间，应写成 2026-11-30 18:00 或 2026-11-30T18:00:00+08:00", v)
			}
			// Out of what both databases store, or already past.
			if err := checkPromise("fields.promised_at", t, o.clock(), o.loc); err != nil {
				return nil, err
			}
		}
		out[name] = v
	}
	return out, nil
}

// ParseLocalTime reads a time as staff write it: RFC 3339, or a local
// date and time "2026-11-30 18:00", or a date alone meaning 18:00 that day
// (the end of the working day). The one parser is apitime.ParseLocal.
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	return apitime.ParseLocal(s, loc, 18*time.Hour)
}

// ship turns the order's locks into stock leaving the warehouse. Every
// transfer must have arrived first: the goods are not all here yet.
func (o *Orders) ship(tx *gorm.DB, ord model.Order, actor Actor, now time.Time) error {
	var pending []model.Transfer
	if err := tx.Where("order_id = ? AND status = ?", ord.ID, model.TransferPending).Order("id").Find(&pending).Error; err != nil {
		return err
	}
	if len(pending) > 0 {
		ids := make([]string, len(pending))
		for i, t := range pending {
			ids[i] = fmt.Sprintf("#%d", t.ID)
		}
		return conflict(CodeTransfersPending, "订单 %s 要等调拨单 %s 收货后才能发货", ord.No, strings.Join(ids, ", ")).about(ord.No, o.pipe.Name(ord.Stage), ids...)
	}
	var allocs []model.Allocation
	if err := tx.Where("order_id = ? AND state = ?", ord.ID, model.AllocActive).Order("id").Find(&allocs).Error; err != nil {
		return err
	}
	slices.SortFunc(allocs, func(a, b model.Allocation) int { return cmp.Compare(a.ProductID, b.ProductID) })
	for _, a := range allocs {
		orderID := ord.ID
		err := moveStock(tx, stockMove{WarehouseID: a.WarehouseID, ProductID: a.ProductID, Kind: model.MoveShip,
			OnHand: -a.Qty, Locked: -a.Qty, OrderID: &orderID, Actor: actor.Label(), Reason: ord.No, At: now})
		if err != nil {
			return fmt.Errorf("ship %s: allocation %d: %w", ord.No, a.ID, err)
		}
	}
	return tx.Model(&model.Allocation{}).Where("order_id = ? AND state = ?", ord.ID, model.AllocActive).
		Updates(map[string]any{"state": model.AllocShipped, "updated_at": now}).Error
}

// Cancel cancels an order before it ships: its locks are released and its
// pending transfers cancelled, in the same transaction as the change.
// Buyers may cancel only early (customer_cancel_before); staff need the
// current stage's role, customer service, or a supervisor role.
func (o *Orders) Cancel(ctx context.Context, no string, actor Actor, reason string) (_ Detail, err error) {
	defer wrapOp(&err, "Orders.Cancel")
	if err := checkText("reason", reason, 500, false); err != nil {
		return Detail{}, err
	}
	no = strings.ToUpper(strings.TrimSpace(no))
	var id uint64
	err = inTx(ctx, o.db, func(tx *gorm.DB) error {
		ord, err := lockOrder(tx, no, actor)
		if err != nil {
			return err
		}
		id = ord.ID
		if ord.Stage == StageCancelled {
			return conflict(CodeAlreadyCancelled, "订单 %s 已取消", ord.No).about(ord.No, o.pipe.Name(StageCancelled))
		}
		if !o.pipe.Cancellable(ord.Stage) {
			return conflict(CodeNotCancellable, "订单 %s 已是「%s」，不能再取消", ord.No, o.pipe.Name(ord.Stage)).about(ord.No, o.pipe.Name(ord.Stage))
		}
		switch {
		case actor.Kind == ActorCustomer:
			if !o.pipe.CustomerCancellable(ord.Stage) {
				return conflict(CodeNotCancellable, "订单 %s 已是「%s」，请联系客服取消", ord.No, o.pipe.Name(ord.Stage)).about(ord.No, o.pipe.Name(ord.Stage))
			}
		case o.pipe.MayMove(actor, ord.Stage) || actor.HasRole(o.pipe.duties.Cancel...):
		default:
			cur, _ := o.pipe.Stage(ord.Stage)
			return &ForbiddenError{Actor: actor.Label(), Need: append(append([]string{cur.OwnerRole}, o.pipe.duties.Cancel...), o.pipe.supervisorRoles...), What: "取消这张订单"}
		}
		now := o.clock()
		if err := returnCoupon(tx, ord.ID); err != nil {
			return err
		}
		if err := releaseOrder(tx, ord, actor, now); err != nil {
			return err
		}
		if err := moveStage(tx, stageMove{Order: ord, To: StageCancelled, Kind: "cancelled", Actor: actor.Label(), Note: reason, At: now}); err != nil {
			return err
		}
		if err := o.notifyChannel(tx, ord, StageCancelled, now); err != nil {
			return err
		}
		if err := endStageWait(tx, o.pipe, ord, StageCancelled, now); err != nil {
			return err
		}
		return finish(ctx, tx, now, Outcome{Stage: &StageChange{OrderID: ord.ID, No: ord.No, From: ord.Stage, To: StageCancelled}})
	})
	if err != nil {
		return Detail{}, err
	}
	o.m.StageChanges.WithLabelValues(StageCancelled).Inc()
	return o.get(ctx, o.db.WithContext(ctx).Where("id = ?", id), no)
}

// releaseOrder gives back every lock the order holds and cancels its
// pending transfers.
func releaseOrder(tx *gorm.DB, ord model.Order, actor Actor, now time.Time) error {
	var allocs []model.Allocation
	if err := tx.Where("order_id = ? AND state = ?", ord.ID, model.AllocActive).Order("id").Find(&allocs).Error; err != nil {
		return err
	}
	for _, a := range allocs {
		orderID := ord.ID
		err := moveStock(tx, stockMove{WarehouseID: a.WarehouseID, ProductID: a.ProductID, Kind: model.MoveRelease,
			Locked: -a.Qty, OrderID: &orderID, Actor: actor.Label(), Reason: ord.No, At: now})
		if err != nil {
			return fmt.Errorf("release %s: allocation %d: %w", ord.No, a.ID, err)
		}
	}
	if err := tx.Model(&model.Allocation{}).Where("order_id = ? AND state = ?", ord.ID, model.AllocActive).
		Updates(map[string]any{"state": model.AllocReleased, "updated_at": now}).Error; err != nil {
		return err
	}
	return tx.Model(&model.Transfer{}).Where("order_id = ? AND status = ?", ord.ID, model.TransferPending).
		Updates(map[string]any{"status": model.TransferCancelled, "updated_at": now}).Error
}

// lockOrder reads an order for update. A buyer asking about another
// customer's order is told it does not exist, so numbers cannot be probed.
func lockOrder(tx *gorm.DB, no string, actor Actor) (model.Order, error) {
	var ord model.Order
	if err := forUpdate(tx).Where("no = ?", no).Take(&ord).Error; err != nil {
		return ord, notFound(err, "order", no)
	}
	if actor.Kind == ActorCustomer && actor.CustomerID != ord.CustomerID {
		return model.Order{}, &NotFoundError{What: "order", Key: no}
	}
	return ord, nil
}
