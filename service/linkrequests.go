package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// LinkRequests are buyers asking, from the mini-program, to order for
// their company instead of the customer of their own their first login
// made. Customer service on duty is pushed the request in WeCom and
// approves or rejects it there (关联 LR… 同意/拒绝); approval links the
// buyer exactly as staff's Buyers.Link does (linkBuyer).
type LinkRequests struct {
	db     *gorm.DB
	buyers *Buyers
	pipe   *Pipeline
	clock  Clock
	loc    *time.Location
}

// NewLinkRequests returns a LinkRequests. buyers is the Buyers whose cache
// an approval invalidates; loc is the zone request numbers are dated in.
func NewLinkRequests(db *gorm.DB, buyers *Buyers, pipe *Pipeline, clock Clock, loc *time.Location) *LinkRequests {
	if db == nil || buyers == nil || pipe == nil || clock == nil || loc == nil {
		panic("service: NewLinkRequests: nil dependency")
	}
	return &LinkRequests{db: db, buyers: buyers, pipe: pipe, clock: clock, loc: loc}
}

// MsgTypeLinkRequest is a LinkRequestNotice: a buyer's request pushed to
// customer service on duty.
const MsgTypeLinkRequest = "link_request"

// LinkRequestNotice is a buyer's new request to be linked to a company,
// as customer service is pushed it: what the buyer typed, and the customer
// it matches, if one does (by code, else by its exact name).
type LinkRequestNotice struct {
	No           string `json:"no"`
	Buyer        string `json:"buyer"`
	CompanyName  string `json:"company_name,omitempty"`
	CustomerCode string `json:"customer_code,omitempty"`
	Note         string `json:"note,omitempty"`
	MatchCode    string `json:"match_code,omitempty"`
	MatchName    string `json:"match_name,omitempty"`
}

// LinkAsk is what a buyer asks: their company's name and/or its customer
// code, with a note for customer service.
type LinkAsk struct {
	CompanyName, CustomerCode, Note string
}

// LinkRequestView is a request with its number and the customers it names.
type LinkRequestView struct {
	model.LinkRequest
	No string
	// Buyer is who asked.
	Buyer model.Buyer
	// Customer is the customer the buyer was linked to (approved), else
	// nil.
	Customer *model.Customer
	// Match is the customer the request names (its code, else its exact
	// name), while it is open; nil when none does.
	Match *model.Customer
}

// LinkRequestNo formats a request's number: LR, the local day it was
// made, and its id.
func LinkRequestNo(local time.Time, id uint64) string {
	return fmt.Sprintf("LR%s-%06d", local.Format("20060102"), id)
}

var linkNoPattern = regexp.MustCompile(`^LR(\d{8})-(\d{1,12})$`)

// Lengths, in characters, of what a buyer types.
const (
	maxLinkCompany = 64
	maxLinkCode    = 32
	maxLinkNote    = 200
	maxLinkReason  = 200
)

// LinkCustomerError is an approval that names no customer to link to: the
// request's code is not a customer and its company name matches none (or
// several), and the approver gave no code.
type LinkCustomerError struct {
	No       string
	Customer string // the customer code tried, "" for none
}

func (e *LinkCustomerError) Error() string {
	if e.Customer != "" {
		return fmt.Sprintf("没有客户 %q；请写明关联到哪个客户的编码", e.Customer)
	}
	return "申请没有对上客户；请写明关联到哪个客户的编码"
}
func (e *LinkCustomerError) Unwrap() error { return ErrInvalid }
func (e *LinkCustomerError) Code() string  { return CodeUnknownCustomer }

// Ask records buyer b's request to be linked to a company and pushes it to
// customer service on duty in the same transaction. A buyer has one open
// request at a time (the unique open_buyer_id says so on every database).
func (s *LinkRequests) Ask(ctx context.Context, b Buyer, in LinkAsk) (_ LinkRequestView, err error) {
	defer wrapOp(&err, "LinkRequests.Ask")
	in.CompanyName = strings.TrimSpace(in.CompanyName)
	in.CustomerCode = strings.ToUpper(strings.TrimSpace(in.CustomerCode))
	in.Note = strings.TrimSpace(in.Note)
	if in.CompanyName == "" && in.CustomerCode == "" {
		return LinkRequestView{}, invalid("company_name", CodeRequired, "请填写公司名称或客户编码（customer_code），至少一项")
	}
	if err := checkText("company_name", in.CompanyName, maxLinkCompany, false); err != nil {
		return LinkRequestView{}, err
	}
	if err := checkText("customer_code", in.CustomerCode, maxLinkCode, false); err != nil {
		return LinkRequestView{}, err
	}
	if strings.ContainsAny(in.CustomerCode, " \t") {
		return LinkRequestView{}, invalid("customer_code", CodeInvalidField, "客户编码不能有空格")
	}
	if err := checkText("note", in.Note, maxLinkNote, false); err != nil {
		return LinkRequestView{}, err
	}
	var v LinkRequestView
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		var open model.LinkRequest
		found, err := takeOptional(tx.Where("open_buyer_id = ?", b.ID), &open)
		if err != nil {
			return err
		}
		if found {
			no := s.no(open)
			return conflict(CodeLinkRequestOpen, "您已有待审核的关联申请 %s，请等客服处理", no).about(no, open.State)
		}
		if in.CustomerCode != "" && in.CustomerCode == b.Customer.Code {
			return conflict(CodeAlreadyLinked, "您已关联到 %s（%s）", b.Customer.Name, b.Customer.Code).about(b.Customer.Code, "")
		}
		now := s.clock()
		id := b.ID
		r := model.LinkRequest{BuyerID: b.ID, OpenBuyerID: &id, CompanyName: in.CompanyName, CustomerCode: in.CustomerCode, Note: in.Note,
			State: model.LinkRequestOpen, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			if isDuplicate(err) {
				// A second tap raced the first: theirs is the open one.
				return conflict(CodeLinkRequestOpen, "您已有待审核的关联申请，请等客服处理").about("", model.LinkRequestOpen)
			}
			return err
		}
		if v, err = s.view(tx, r); err != nil {
			return err
		}
		return s.push(tx, v, now)
	})
	return v, err
}

// push tells customer service on duty of a new request: the holders of
// the role that answers buyers (aftercare) who are at work, else their
// lead, else a supervisor — the same who-holds-role rule tickets use
// (holdersNear, atWork).
func (s *LinkRequests) push(tx *gorm.DB, v LinkRequestView, now time.Time) error {
	role := s.pipe.aftercare()
	roles := []string{role}
	if l := s.pipe.Lead(role); l != "" {
		roles = append(roles, l)
	}
	var to []string
	for _, r := range append(roles, s.pipe.supervisorRoles...) {
		staff, err := holdersNear(tx, r, 0)
		if err != nil {
			return err
		}
		if staff, err = s.pipe.atWork(tx, staff, now); err != nil {
			return err
		}
		for _, st := range staff {
			to = append(to, st.UserID)
		}
		if len(to) > 0 {
			break
		}
	}
	if len(to) == 0 {
		return nil // nobody to push: 「关联」 in chat still lists it
	}
	n := LinkRequestNotice{No: v.No, Buyer: v.Buyer.Name, CompanyName: v.CompanyName, CustomerCode: v.CustomerCode, Note: v.Note}
	if v.Match != nil {
		n.MatchCode, n.MatchName = v.Match.Code, v.Match.Name
	}
	return enqueue(tx, now, 0, []Message{{To: to, Type: MsgTypeLinkRequest, Key: "link:" + strconv.FormatUint(v.ID, 10), Body: n}})
}

// Mine lists buyer's requests, newest first (at most 20).
func (s *LinkRequests) Mine(ctx context.Context, buyerID uint64) (_ []LinkRequestView, err error) {
	defer wrapOp(&err, "LinkRequests.Mine")
	return s.list(s.db.WithContext(ctx).Where("buyer_id = ?", buyerID).Order("id DESC").Limit(20))
}

// Open lists the requests waiting for customer service, oldest first (at
// most 50).
func (s *LinkRequests) Open(ctx context.Context) (_ []LinkRequestView, err error) {
	defer wrapOp(&err, "LinkRequests.Open")
	return s.list(s.db.WithContext(ctx).Where("state = ?", model.LinkRequestOpen).Order("id").Limit(50))
}

func (s *LinkRequests) list(q *gorm.DB) ([]LinkRequestView, error) {
	var rs []model.LinkRequest
	if err := q.Find(&rs).Error; err != nil {
		return nil, err
	}
	out := make([]LinkRequestView, 0, len(rs))
	for _, r := range rs {
		v, err := s.view(q.Session(&gorm.Session{NewDB: true}), r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// view fills in a request's number, buyer and customers.
func (s *LinkRequests) view(db *gorm.DB, r model.LinkRequest) (LinkRequestView, error) {
	v := LinkRequestView{LinkRequest: r, No: s.no(r)}
	if _, err := takeOptional(db.Where("id = ?", r.BuyerID), &v.Buyer); err != nil {
		return v, err
	}
	if r.CustomerID != nil {
		var c model.Customer
		found, err := takeOptional(db.Where("id = ?", *r.CustomerID), &c)
		if err != nil {
			return v, err
		}
		if found {
			v.Customer = &c
		}
	}
	if r.State == model.LinkRequestOpen {
		m, err := s.match(db, r)
		if err != nil {
			return v, err
		}
		v.Match = m
	}
	return v, nil
}

// match is the customer a request names: its code, else the one customer
// whose name is exactly the company name; nil when none (or several) do.
func (s *LinkRequests) match(db *gorm.DB, r model.LinkRequest) (*model.Customer, error) {
	if r.CustomerCode != "" {
		var c model.Customer
		found, err := takeOptional(db.Where("code = ?", r.CustomerCode), &c)
		if err != nil {
			return nil, err
		}
		if found {
			return &c, nil
		}
	}
	if r.CompanyName == "" {
		return nil, nil
	}
	var cs []model.Customer
	if err := db.Where("name = ?", r.CompanyName).Limit(2).Find(&cs).Error; err != nil {
		return nil, err
	}
	if len(cs) != 1 {
		return nil, nil
	}
	return &cs[0], nil
}

func (s *LinkRequests) no(r model.LinkRequest) string {
	return LinkRequestNo(r.CreatedAt.In(s.loc), r.ID)
}

// byNo finds a request by its number (LR20261208-000003, any case) or by
// its bare id (3), as people type it.
func (s *LinkRequests) byNo(tx *gorm.DB, no string) (model.LinkRequest, error) {
	key := strings.ToUpper(strings.TrimSpace(no))
	var id uint64
	var day string
	if m := linkNoPattern.FindStringSubmatch(key); m != nil {
		id, _ = strconv.ParseUint(m[2], 10, 64)
		day = m[1]
	} else if n, err := strconv.ParseUint(key, 10, 64); err == nil {
		id = n
	}
	var r model.LinkRequest
	if id == 0 {
		return r, &NotFoundError{What: "link_request", Key: key}
	}
	if err := forUpdate(tx).Where("id = ?", id).Take(&r).Error; err != nil {
		return r, notFound(err, "link_request", key)
	}
	if day != "" && r.CreatedAt.In(s.loc).Format("20060102") != day {
		return r, &NotFoundError{What: "link_request", Key: key}
	}
	return r, nil
}

// MayDecide says whether a may approve or reject link requests: customer
// service (the role that answers buyers), its lead and the supervisors.
func (s *LinkRequests) MayDecide(a Actor) bool {
	return a.HasRole(s.deciders()...) || s.pipe.Supervisor(a)
}

func (s *LinkRequests) deciders() []string {
	role := s.pipe.aftercare()
	if l := s.pipe.Lead(role); l != "" {
		return []string{role, l}
	}
	return []string{role}
}

// LinkDecision is customer service's answer to a request: approve (to the
// customer with CustomerCode, else the one the request names) or reject
// with a Reason the buyer reads.
type LinkDecision struct {
	Approve      bool
	CustomerCode string
	Reason       string
}

// Decide approves or rejects the request numbered no. Approval links its
// buyer to the customer as staff's Buyers.Link does, in the same
// transaction as the request's new state (and a chat command's reply).
func (s *LinkRequests) Decide(ctx context.Context, no string, d LinkDecision, actor Actor) (_ LinkRequestView, err error) {
	defer wrapOp(&err, "LinkRequests.Decide")
	if !s.MayDecide(actor) {
		return LinkRequestView{}, &ForbiddenError{Actor: actor.Label(), Need: append(s.deciders(), s.pipe.SupervisorRoles()...), What: "审核关联申请"}
	}
	d.Reason = strings.TrimSpace(d.Reason)
	d.CustomerCode = strings.ToUpper(strings.TrimSpace(d.CustomerCode))
	if !d.Approve && d.Reason == "" {
		return LinkRequestView{}, invalid("reason", CodeRequired, "拒绝请写明原因，买家会看到")
	}
	if err := checkText("reason", d.Reason, maxLinkReason, false); err != nil {
		return LinkRequestView{}, err
	}
	var v LinkRequestView
	var linked uint64
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.byNo(tx, no)
		if err != nil {
			return err
		}
		if r.State != model.LinkRequestOpen {
			return conflict(CodeLinkRequestDecided, "关联申请 %s 已处理过（%s）", s.no(r), LinkRequestStateName(r.State)).about(s.no(r), r.State)
		}
		now := s.clock()
		upd := map[string]any{"open_buyer_id": nil, "decided_by": trunc(actor.Label(), 64), "decided_at": now, "updated_at": now}
		if d.Approve {
			code := d.CustomerCode
			if code == "" {
				m, err := s.match(tx, r)
				if err != nil {
					return err
				}
				if m == nil {
					return &LinkCustomerError{No: s.no(r), Customer: r.CustomerCode}
				}
				code = m.Code
			}
			var b model.Buyer
			if err := tx.Where("id = ?", r.BuyerID).Take(&b).Error; err != nil {
				return notFound(err, "buyer", strconv.FormatUint(r.BuyerID, 10))
			}
			lb, err := linkBuyer(tx, b, code, now)
			if err != nil {
				if inv := (*InvalidError)(nil); errors.As(err, &inv) {
					return &LinkCustomerError{No: s.no(r), Customer: code}
				}
				return err
			}
			linked = b.ID
			upd["state"], upd["customer_id"] = model.LinkRequestApproved, lb.Customer.ID
		} else {
			upd["state"], upd["reason"] = model.LinkRequestRejected, d.Reason
		}
		res := model.Row(tx, &model.LinkRequest{ID: r.ID}).Where("state = ?", model.LinkRequestOpen).Updates(upd)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return conflict(CodeLinkRequestDecided, "关联申请 %s 刚被别人处理了", s.no(r)).about(s.no(r), "")
		}
		if err := tx.Where("id = ?", r.ID).Take(&r).Error; err != nil {
			return err
		}
		if v, err = s.view(tx, r); err != nil {
			return err
		}
		return finish(ctx, tx, now, Outcome{Link: &v})
	})
	if err != nil {
		return LinkRequestView{}, err
	}
	if linked != 0 {
		s.buyers.cache.forget(ctx, linked) // committed: the buyer's company changed
	}
	return v, nil
}

// linkStateZh names a request's state as people read it.
var linkStateZh = map[string]string{
	model.LinkRequestOpen: "待审核", model.LinkRequestApproved: "已关联", model.LinkRequestRejected: "未通过",
}

// LinkRequestStateName names a request's state in Chinese.
func LinkRequestStateName(state string) string {
	if zh, ok := linkStateZh[state]; ok {
		return zh
	}
	return state
}
