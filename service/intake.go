package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"orderhub/internal/division"
	"orderhub/model"
)

// ChannelSlip is the order channel of orders read from a slip photo.
const ChannelSlip = "slip"

// CustomerRef is a customer as an incoming order names them.
type CustomerRef struct {
	Code  string `json:"code,omitempty"`
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// IntakeLine is one line as it came in, and what it matched.
type IntakeLine struct {
	SKU  string `json:"sku,omitempty"`
	Code string `json:"code,omitempty"` // the channel's own product code
	Name string `json:"name,omitempty"`
	Qty  int64  `json:"qty"`
	Unit string `json:"unit,omitempty"` // as typed (箱, 盒), chat and slips

	ProductID   uint64      `json:"product_id,omitempty"`
	MatchedSKU  string      `json:"matched_sku,omitempty"`
	MatchedName string      `json:"matched_name,omitempty"`
	By          string      `json:"by,omitempty"` // sku, alias, name, near (one character off) or picked
	Candidates  []Candidate `json:"candidates,omitempty"`
	// Available is the stock free across warehouses when the draft was made.
	Available *int64 `json:"available,omitempty"`
}

// Text is how the line was written, for messages.
func (l IntakeLine) Text() string {
	for _, s := range []string{l.Name, l.SKU, l.Code} {
		if s != "" {
			return s
		}
	}
	return "?"
}

// AddressParts is an address split by the administrative divisions.
type AddressParts struct {
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`
	District string `json:"district,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Code     string `json:"code,omitempty"`
}

// IntakeDoc is an incoming order normalised, with what it matched: what
// intakes.body holds.
type IntakeDoc struct {
	ExternalID  string       `json:"external_id,omitempty"`
	Customer    CustomerRef  `json:"customer"`
	AddressText string       `json:"address_text,omitempty"`
	Address     AddressParts `json:"address"`
	Remark      string       `json:"remark,omitempty"`
	PromisedAt  *time.Time   `json:"promised_at,omitempty"`
	Lines       []IntakeLine `json:"lines"`

	CustomerID         uint64      `json:"customer_id,omitempty"`
	CustomerCode       string      `json:"customer_code,omitempty"`
	CustomerName       string      `json:"customer_name,omitempty"`
	CustomerBy         string      `json:"customer_by,omitempty"` // code, phone, name or picked
	CustomerCandidates []Candidate `json:"customer_candidates,omitempty"`
	// OnFile is the customer's address on file (their last order's), for
	// a draft without one.
	OnFile string `json:"address_on_file,omitempty"`
	// OCRText is what the OCR engine read from a slip photo.
	OCRText string `json:"ocr_text,omitempty"`
}

// Problem is one thing a person must settle before the order is placed.
type Problem struct {
	Field      string      `json:"field"` // customer, lines[2]
	Code       string      `json:"code"`  // customer_unmatched, sku_unmatched, sku_ambiguous
	Message    string      `json:"message"`
	Given      string      `json:"given"`
	Candidates []Candidate `json:"candidates,omitempty"`
}

// Problems lists what did not match.
func (d IntakeDoc) Problems() []Problem {
	var out []Problem
	if d.CustomerID == 0 {
		parts := nonEmpty([]string{d.Customer.Code, d.Customer.Name, d.Customer.Phone})
		if len(parts) == 2 && parts[0] == parts[1] {
			parts = parts[:1] // a chat draft tries the one word as code and as name
		}
		given := strings.Join(parts, " ")
		p := Problem{Field: "customer", Code: "customer_unmatched", Given: given, Candidates: d.CustomerCandidates,
			Message: fmt.Sprintf("没有客户对得上 %q", given)}
		if len(d.CustomerCandidates) > 1 {
			p.Code, p.Message = "customer_ambiguous", fmt.Sprintf("有 %d 个客户对得上 %q，请选一个", len(d.CustomerCandidates), given)
		}
		out = append(out, p)
	}
	for i, l := range d.Lines {
		if l.ProductID != 0 {
			continue
		}
		p := Problem{Field: fmt.Sprintf("lines[%d]", i), Code: "sku_unmatched", Given: l.Text(), Candidates: l.Candidates,
			Message: fmt.Sprintf("没有商品对得上 %q", l.Text())}
		if len(l.Candidates) > 1 {
			p.Code, p.Message = "sku_ambiguous", fmt.Sprintf("有 %d 个商品对得上 %q，请选一个", len(l.Candidates), l.Text())
		}
		out = append(out, p)
	}
	return out
}

func (d IntakeDoc) address() string {
	if a := (division.Address{Province: d.Address.Province, City: d.Address.City, District: d.Address.District, Detail: d.Address.Detail}).String(); a != "" {
		return a
	}
	return d.OnFile
}

// IntakeView is an intake with its body read and, once placed, its order.
type IntakeView struct {
	model.Intake
	Doc      IntakeDoc
	Problems []Problem
	Order    *Detail
	// ChannelName is the channel's display name.
	ChannelName string
}

// Intakes receives orders from channels, chat drafts and slip photos,
// holds what does not match for a person, and places the rest through
// Orders.Create like any order.
type Intakes struct {
	db         *gorm.DB
	orders     *Orders
	clock      Clock
	channels   map[string]*Channel
	div        *division.Table
	reviewRole string
	draftTTL   time.Duration
	// catalog is the products' name index, kept at the reference version.
	catalog catalogCache
}

// NewIntakes returns Intakes. reviewRole is told of orders held for
// review; draftTTL is how long a chat draft waits for its confirmation.
func NewIntakes(db *gorm.DB, orders *Orders, clock Clock, channels map[string]*Channel, reviewRole string, draftTTL time.Duration) *Intakes {
	if db == nil || orders == nil || clock == nil || reviewRole == "" || draftTTL <= 0 {
		panic("service: NewIntakes: nil dependency")
	}
	return &Intakes{db: db, orders: orders, clock: clock, channels: channels, div: division.Load(), reviewRole: reviewRole, draftTTL: draftTTL}
}

// ChannelName is what people see for an order channel key.
func (s *Intakes) ChannelName(key string) string {
	if c, ok := s.channels[key]; ok {
		return c.Name
	}
	return channelName(key)
}

// Receive takes one signed channel request. held is true when the order
// waits for review (nothing reserved); replayed when this (channel,
// external id) was received before with the same body.
func (s *Intakes) Receive(ctx context.Context, key, ts, sig string, body []byte) (v IntakeView, replayed bool, err error) {
	ch, ok := s.channels[key]
	if !ok {
		return v, false, &NotFoundError{What: "channel", Key: key}
	}
	if err := ch.verify(s.clock(), ts, sig, body); err != nil {
		return v, false, err
	}
	doc, err := ch.mapBody(body, s.orders.loc)
	if err != nil {
		return v, false, err
	}
	if err := validateDoc(&doc); err != nil {
		return v, false, err
	}
	hash, err := canonicalHash(body)
	if err != nil {
		return v, false, invalid("body", CodeMalformedJSON, "JSON 格式错误：%v", err)
	}
	db := s.db.WithContext(ctx)
	var prior model.Intake
	if err := db.Where("channel = ? AND external_id = ?", key, doc.ExternalID).Limit(1).Find(&prior).Error; err != nil {
		return v, false, err
	}
	if prior.ID != 0 {
		v, err = s.replay(ctx, prior, hash, System)
		return v, true, err
	}
	if doc.PromisedAt != nil {
		// Checked once the request is known to be new (a retry of an
		// order received when its promise lay ahead still finds it),
		// naming the field as the channel sent it.
		if err := checkPromise(ch.fieldFor("promised_at"), *doc.PromisedAt, s.clock(), s.orders.loc); err != nil {
			return v, false, err
		}
	}
	if err := s.normalise(db, key, &doc, false); err != nil {
		return v, false, err
	}
	state := IntakeStateFor(doc)
	it := model.Intake{Source: model.SourceChannel, Channel: key, ExternalID: doc.ExternalID, RequestHash: hash, State: state}
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.insert(tx, &it, doc); err != nil {
			return err
		}
		if state == model.IntakeReview {
			return s.pushReview(tx, it, doc, ch.Name)
		}
		return nil
	})
	if isDuplicate(err) {
		// The same request, concurrently: the first one's row answers.
		if err := db.Where("channel = ? AND external_id = ?", key, doc.ExternalID).Take(&prior).Error; err != nil {
			return v, false, err
		}
		v, err = s.replay(ctx, prior, hash, System)
		return v, true, err
	}
	if err != nil {
		return v, false, err
	}
	if state == model.IntakeReview {
		return s.view(ctx, it)
	}
	v, err = s.place(ctx, it, doc, System)
	if err != nil && refused(err) {
		// Refused (no stock, bad input): the channel is told and nothing
		// stays behind — unless an order holds the intake's key after all,
		// which keeps its intake.
		key := intakeOrderKey(it.ID)
		db.Where("id = ? AND state = ?", it.ID, intakeNew).
			Where("NOT EXISTS (?)", db.Model(&model.IdempotencyKey{}).Select("1").Where("`key` = ?", key)).
			Delete(&model.Intake{})
	}
	// Any other failure (the database, a killed query, a timeout) may have
	// come after the order committed: the intake stays new, and the
	// channel's retry finds the same order through the intake's key.
	return v, false, err
}

// refused is a refusal the order's placement answered before writing
// anything: invalid input or a conflict such as too little stock.
func refused(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound)
}

// intakeOrderKey is the idempotency key an intake's order is placed
// with: the order and its intake are one fact through it.
func intakeOrderKey(id uint64) string { return "intake:" + strconv.FormatUint(id, 10) }

// intakeNew is an intake all of whose parts matched, not yet placed (a
// crash between matching and placing leaves it so; a retry places it).
const intakeNew = "new"

// IntakeStateFor is needs_review when anything did not match.
func IntakeStateFor(d IntakeDoc) string {
	if len(d.Problems()) > 0 {
		return model.IntakeReview
	}
	return intakeNew
}

func (s *Intakes) replay(ctx context.Context, prior model.Intake, hash string, actor Actor) (IntakeView, error) {
	if prior.RequestHash != hash {
		return IntakeView{}, Conflict(CodeExternalIDReused, "外部单号 %q 已收到过内容不同的一单（来单 #%d）", prior.ExternalID, prior.ID)
	}
	if prior.State == intakeNew {
		var doc IntakeDoc
		if err := json.Unmarshal([]byte(prior.Body), &doc); err != nil {
			return IntakeView{}, err
		}
		return s.place(ctx, prior, doc, actor)
	}
	v, _, err := s.view(ctx, prior)
	return v, err
}

func validateDoc(d *IntakeDoc) error {
	d.ExternalID = strings.TrimSpace(d.ExternalID)
	if err := checkText("external_id", d.ExternalID, 128, true); err != nil {
		return err
	}
	if d.Customer.Code == "" && d.Customer.Name == "" && d.Customer.Phone == "" {
		return invalid("customer", CodeRequired, "请给 customer.code，或 customer.name 加 customer.phone")
	}
	for f, v := range map[string]string{"customer.code": d.Customer.Code, "customer.name": d.Customer.Name, "customer.phone": d.Customer.Phone} {
		if err := checkText(f, v, 128, false); err != nil {
			return err
		}
	}
	if err := checkText("address", d.AddressText, 255, false); err != nil {
		return err
	}
	if err := checkText("remark", d.Remark, 500, false); err != nil {
		return err
	}
	if len(d.Lines) == 0 {
		return invalid("lines", CodeNoLines, "订单至少要有一行")
	}
	if len(d.Lines) > MaxOrderLines {
		return invalid("lines", CodeTooManyLines, "一张订单最多 %d 行，收到 %d 行", MaxOrderLines, len(d.Lines))
	}
	for i, l := range d.Lines {
		if l.SKU == "" && l.Code == "" && l.Name == "" {
			return invalid(fmt.Sprintf("lines[%d]", i), "required", "请给 sku、code 或 name")
		}
		if l.Qty <= 0 || l.Qty > 1_000_000 {
			return invalid(fmt.Sprintf("lines[%d].qty", i), "invalid_qty", "须为 1 到 1000000 的整数")
		}
		for f, v := range map[string]string{"sku": l.SKU, "code": l.Code, "name": l.Name} {
			if utf8.RuneCountInString(v) > 128 {
				return invalid(fmt.Sprintf("lines[%d].%s", i, f), "too_long", "超过 128 个字")
			}
		}
	}
	return nil
}

// normalise cleans the phone, splits the address and matches the customer
// and every line.
func (s *Intakes) normalise(db *gorm.DB, channel string, d *IntakeDoc, loose bool) error {
	if p, ok := NormalizePhone(d.Customer.Phone); ok {
		d.Customer.Phone = p
	}
	if d.AddressText != "" {
		a := s.div.Split(d.AddressText)
		d.Address = AddressParts{Province: a.Province, City: a.City, District: a.District, Detail: a.Detail, Code: a.Code}
	}
	c, cands, err := customerMatch(db, d.Customer, loose)
	if err != nil {
		return err
	}
	d.CustomerID, d.CustomerCode, d.CustomerName, d.CustomerCandidates = 0, "", "", cands
	if c != nil {
		d.setCustomer(*c, "match")
	}
	ix, err := s.catalog.index(db, s.clock())
	if err != nil {
		return err
	}
	for i := range d.Lines {
		if err := matchLine(db, ix, channel, &d.Lines[i]); err != nil {
			return err
		}
	}
	return nil
}

func (d *IntakeDoc) setCustomer(c model.Customer, by string) {
	d.CustomerID, d.CustomerCode, d.CustomerName, d.CustomerBy, d.CustomerCandidates = c.ID, c.Code, c.Name, by, nil
}

func (s *Intakes) insert(tx *gorm.DB, it *model.Intake, doc IntakeDoc) error {
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	now := s.clock()
	it.Body, it.CreatedAt, it.UpdatedAt = string(body), now, now
	if doc.CustomerID != 0 {
		id := doc.CustomerID
		it.CustomerID = &id
	}
	return tx.Create(it).Error
}

// pushReview tells everyone holding the review role, with the change.
func (s *Intakes) pushReview(tx *gorm.DB, it model.Intake, doc IntakeDoc, from string) error {
	var staff []model.Staff
	if err := tx.Where("active = ? AND roles LIKE ?", true, roleLike(s.reviewRole)).Order("id").Find(&staff).Error; err != nil {
		return err
	}
	if len(staff) == 0 {
		return nil // GET /api/v1/intakes?state=needs_review still lists it
	}
	var to []string
	for _, st := range staff {
		to = append(to, st.UserID)
	}
	m := Message{To: to, Type: MsgTypeIntakeReview, Key: "intake:review:" + strconv.FormatUint(it.ID, 10),
		Body: IntakeReview{IntakeID: it.ID, From: from, ExternalID: doc.ExternalID, Problems: doc.Problems()}}
	return enqueue(tx, s.clock(), 0, []Message{m})
}

// place places a fully matched intake through Orders.Create, keyed by the
// intake so that a retry after a crash finds the same order, then marks it
// placed — with the chat reply, when ctx carries one.
func (s *Intakes) place(ctx context.Context, it model.Intake, doc IntakeDoc, actor Actor) (IntakeView, error) {
	lines := make([]LineInput, len(doc.Lines))
	for i, l := range doc.Lines {
		lines[i] = LineInput{SKU: l.MatchedSKU, Qty: l.Qty}
	}
	channel := it.Channel
	// Two transactions: the order (placed in a batch with others, so it
	// cannot share ours) and then the intake marked placed with the chat
	// answer. The first is an idempotent step: keyed by the intake, a run
	// resumed after a crash between them finds the same order again.
	d, _, err := s.orders.Create(step(ctx), NewOrder{
		Channel: channel, CustomerID: doc.CustomerID, Lines: lines, Address: doc.address(), Remark: doc.Remark,
		PromisedAt: doc.PromisedAt, PromiseGivenAt: it.CreatedAt, IdempotencyKey: intakeOrderKey(it.ID), Actor: actor,
	})
	if err != nil {
		return IntakeView{}, err
	}
	var v IntakeView
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		now := s.clock()
		oid := d.Order.ID
		if err := model.Row(tx, &model.Intake{}).Where("id = ? AND state <> ?", it.ID, model.IntakePlaced).
			Updates(map[string]any{"state": model.IntakePlaced, "order_id": oid, "resolved_by": actor.Label(), "updated_at": now}).Error; err != nil {
			return err
		}
		it.State, it.OrderID, it.ResolvedBy = model.IntakePlaced, &oid, actor.Label()
		v = IntakeView{Intake: it, Doc: doc, Order: &d, ChannelName: s.ChannelName(it.Channel)}
		return finish(ctx, tx, now, Outcome{Intake: &v})
	})
	return v, err
}

// view reads an intake's body and, when placed, its order.
func (s *Intakes) view(ctx context.Context, it model.Intake) (IntakeView, bool, error) {
	v := IntakeView{Intake: it, ChannelName: s.ChannelName(it.Channel)}
	if err := json.Unmarshal([]byte(it.Body), &v.Doc); err != nil {
		return v, false, err
	}
	if it.State == model.IntakeReview || it.State == model.IntakeDraft {
		v.Problems = v.Doc.Problems()
	}
	if it.OrderID != nil {
		d, err := s.orders.get(ctx, s.db.WithContext(ctx).Where("id = ?", *it.OrderID), strconv.FormatUint(*it.OrderID, 10))
		if err != nil {
			return v, false, err
		}
		v.Order = &d
	}
	return v, it.State == model.IntakeReview, nil
}
