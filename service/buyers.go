package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// Buyers keeps the mini-program's users and the customer company each one
// orders for.
type Buyers struct {
	db    *gorm.DB
	clock Clock
	cache *BuyerCache // nil: every ByID reads the database
}

// NewBuyers returns a Buyers.
func NewBuyers(db *gorm.DB, clock Clock) *Buyers {
	if db == nil || clock == nil {
		panic("service: NewBuyers: nil dependency")
	}
	return &Buyers{db: db, clock: clock}
}

// WithCache makes ByID answer from c when it can. The Catalog and Imports
// of the same database must be given the same cache (WithBuyerCache), so
// that their customer edits invalidate it.
func (s *Buyers) WithCache(c *BuyerCache) *Buyers {
	s.cache = c
	return s
}

// BuyerLogin is what a login knows of a WeChat user.
type BuyerLogin struct {
	OpenID  string
	UnionID string
	// Name is a display name, when one is known (demo logins).
	Name string
}

// Buyer is a buyer with the customer they order for.
type Buyer struct {
	model.Buyer
	Customer model.Customer
}

// Actor is the buyer acting in the mini-program: they see and change only
// their customer's orders.
func (b Buyer) Actor() Actor {
	return Actor{Kind: ActorCustomer, ID: b.Customer.Code, Name: b.Name, CustomerID: b.CustomerID, BuyerID: b.ID}
}

// Login finds the buyer with an openid, or registers them with a customer
// of their own on first login. created says it was the first.
func (s *Buyers) Login(ctx context.Context, in BuyerLogin) (_ Buyer, _ bool, err error) {
	defer wrapOp(&err, "Buyers.Login")
	in.OpenID = strings.TrimSpace(in.OpenID)
	in.Name = strings.TrimSpace(in.Name)
	if err := checkText("openid", in.OpenID, 64, true); err != nil {
		return Buyer{}, false, err
	}
	if err := checkText("name", in.Name, 32, false); err != nil {
		return Buyer{}, false, err
	}
	if err := checkText("unionid", in.UnionID, 64, false); err != nil {
		return Buyer{}, false, err
	}
	db := s.db.WithContext(ctx)
	now := s.clock()
	var b model.Buyer
	err = db.Where("open_id = ?", in.OpenID).Take(&b).Error
	if err == nil {
		if err := db.Model(&model.Buyer{}).Where("id = ?", b.ID).Update("last_login_at", now).Error; err != nil {
			return Buyer{}, false, err
		}
		s.cache.forget(ctx, b.ID) // last_login_at is part of ByID's answer
		out, err := s.byID(db, b.ID)
		return out, false, err
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Buyer{}, false, err
	}
	name := in.Name
	if name == "" {
		name = "微信用户" + tail(in.OpenID, 4)
	}
	// The customer is named after the buyer until staff link them to their
	// real company; its code is derived from the openid so that it is stable
	// and says where it came from.
	sum := sha256.Sum256([]byte(in.OpenID))
	cust := model.Customer{Code: "MP-" + strings.ToUpper(hex.EncodeToString(sum[:5])), Name: name, Contact: name, CreatedAt: now}
	b = model.Buyer{OpenID: in.OpenID, UnionID: in.UnionID, Name: name, LastLoginAt: now, CreatedAt: now, UpdatedAt: now}
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Create(&cust).Error; err != nil {
			return err
		}
		b.CustomerID = cust.ID
		return tx.Create(&b).Error
	})
	if isDuplicate(err) {
		// A concurrent first login of the same buyer won: use theirs.
		if err := db.Where("open_id = ?", in.OpenID).Take(&b).Error; err != nil {
			return Buyer{}, false, err
		}
		out, err := s.byID(db, b.ID)
		return out, false, err
	}
	if err != nil {
		return Buyer{}, false, err
	}
	return Buyer{Buyer: b, Customer: cust}, true, nil
}

func tail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[len(r)-n:])
}

// ByID returns the buyer with id and the customer they order for now:
// from the cache when it has them, else from the database (see
// BuyerCache).
func (s *Buyers) ByID(ctx context.Context, id uint64) (_ Buyer, err error) {
	defer wrapOp(&err, "Buyers.ByID")
	if b, ok := s.cache.get(ctx, id); ok {
		return b, nil
	}
	b, err := s.byID(s.db.WithContext(ctx), id)
	if err != nil {
		return b, err
	}
	s.cache.put(ctx, b)
	return b, nil
}

// ByIDUnlessMarked is ByID for a request whose session may have been
// revoked; mark is the Redis key that says so (the caller's, set by its
// logout). With the cache up, the mark and the cached answer are read in
// one round trip (MGET) instead of two: marked is true, and the buyer not
// read, when the key exists; else the buyer comes as from ByID (the
// database on a miss). checked is false, and nothing was read, when the
// mark could not be read here — no cache, Redis skipped after a failure,
// or this read failing or slower than the cache's timeout: the caller
// reads the mark its own way, then calls ByID, which reads the database
// while the cache skips Redis.
func (s *Buyers) ByIDUnlessMarked(ctx context.Context, id uint64, mark string) (_ Buyer, marked, checked bool, err error) {
	defer wrapOp(&err, "Buyers.ByIDUnlessMarked")
	b, hit, marked, asked := s.cache.getUnlessMarked(ctx, id, mark)
	if !asked || marked {
		return Buyer{}, marked, asked, nil
	}
	if hit {
		return b, false, true, nil
	}
	b, err = s.byID(s.db.WithContext(ctx), id)
	if err != nil {
		return b, false, true, err
	}
	s.cache.put(ctx, b)
	return b, false, true, nil
}

func (s *Buyers) byID(db *gorm.DB, id uint64) (Buyer, error) {
	var b Buyer
	if err := db.Where("id = ?", id).Take(&b.Buyer).Error; err != nil {
		return b, notFound(err, "buyer", strconv.FormatUint(id, 10))
	}
	err := db.Where("id = ?", b.CustomerID).Take(&b.Customer).Error
	return b, notFound(err, "customer", strconv.FormatUint(b.CustomerID, 10))
}

// Link makes the buyer with openid order for the customer with code from
// now on (staff linking a buyer to their company). Orders already placed
// stay with the customer they were placed for.
func (s *Buyers) Link(ctx context.Context, openID, customerCode string) (_ Buyer, err error) {
	defer wrapOp(&err, "Buyers.Link")
	openID = strings.TrimSpace(openID)
	code := strings.ToUpper(strings.TrimSpace(customerCode))
	if err := checkText("customer", code, 32, true); err != nil {
		return Buyer{}, err
	}
	db := s.db.WithContext(ctx)
	if _, err := customerByCode(db, code); err != nil {
		return Buyer{}, err
	}
	// Found by a read, not by the UPDATE's affected rows: MySQL and MariaDB
	// count only rows the UPDATE changed, so linking a buyer again to the
	// same customer within the millisecond of their login's update (a bench
	// run's second pass, a double click) read as "no such buyer".
	var b model.Buyer
	if err := db.Where("open_id = ?", openID).Take(&b).Error; err != nil {
		return Buyer{}, notFound(err, "buyer", openID)
	}
	out, err := linkBuyer(db, b, code, s.clock())
	if err != nil {
		return Buyer{}, err
	}
	s.cache.forget(ctx, b.ID) // committed: the UPDATE ran on its own
	return out, nil
}

// linkBuyer makes b order for the customer with code, in db (a
// transaction of the caller's, or none): the one way a buyer changes
// company, for staff's Link and an approved LinkRequest alike. The caller
// forgets the buyer in the cache once committed.
func linkBuyer(db *gorm.DB, b model.Buyer, code string, now time.Time) (Buyer, error) {
	cust, err := customerByCode(db, code)
	if err != nil {
		return Buyer{}, err
	}
	b.CustomerID, b.UpdatedAt = cust.ID, now
	if err := model.Row(db, &model.Buyer{ID: b.ID}).Updates(map[string]any{"customer_id": b.CustomerID, "updated_at": b.UpdatedAt}).Error; err != nil {
		return Buyer{}, err
	}
	return Buyer{Buyer: b, Customer: cust}, nil
}

// customerByCode finds a customer a buyer is linked to by its code.
func customerByCode(db *gorm.DB, code string) (model.Customer, error) {
	var cust model.Customer
	if err := db.Where("code = ?", code).Take(&cust).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return cust, invalid("customer", CodeUnknownCustomer, "没有客户 %q", code)
		}
		return cust, err
	}
	return cust, nil
}

// List returns buyers, newest first, optionally only a customer's.
func (s *Buyers) List(ctx context.Context, customerCode string, page, size int) (_ []Buyer, _ int64, err error) {
	defer wrapOp(&err, "Buyers.List")
	page, size = pageBounds(page, size)
	db := s.db.WithContext(ctx)
	q := db.Model(&model.Buyer{})
	if code := strings.ToUpper(strings.TrimSpace(customerCode)); code != "" {
		var c model.Customer
		if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
			return nil, 0, notFound(err, "customer", code)
		}
		q = q.Where("customer_id = ?", c.ID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var bs []model.Buyer
	if err := q.Order("id DESC").Offset((page - 1) * size).Limit(size).Find(&bs).Error; err != nil {
		return nil, 0, err
	}
	ids := make([]uint64, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, b.CustomerID)
	}
	custs, err := CustomersByID(db, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Buyer, len(bs))
	for i, b := range bs {
		out[i].Buyer, out[i].Customer = b, custs[b.CustomerID]
	}
	return out, total, nil
}

// GetFor returns an order the actor may see. A buyer asking for another
// customer's order is told it does not exist, so that order numbers
// cannot be probed.
func (o *Orders) GetFor(ctx context.Context, no string, actor Actor) (_ Detail, err error) {
	defer wrapOp(&err, "Orders.GetFor")
	d, err := o.Get(ctx, no)
	if err != nil {
		return d, err
	}
	if actor.Kind == ActorCustomer && d.Order.CustomerID != actor.CustomerID {
		return Detail{}, &NotFoundError{What: "order", Key: d.Order.No}
	}
	return d, nil
}

// ConfirmReceipt is the buyer saying the goods arrived: a shipped order
// moves to the last stage (delivered). Only the buyer's own order, and only
// once it has shipped. The change and its timeline entry commit together.
func (o *Orders) ConfirmReceipt(ctx context.Context, no string, actor Actor, note string) (_ Detail, err error) {
	defer wrapOp(&err, "Orders.ConfirmReceipt")
	if err := checkText("note", note, 500, false); err != nil {
		return Detail{}, err
	}
	no = strings.ToUpper(strings.TrimSpace(no))
	last := o.pipe.Last()
	var id uint64
	err = inTx(ctx, o.db, func(tx *gorm.DB) error {
		ord, err := lockOrder(tx, no, actor)
		if err != nil {
			return err
		}
		id = ord.ID
		next, ok := o.pipe.Next(ord.Stage)
		if ord.Stage != StageShipped || !ok || next.Key != last.Key {
			if ord.Stage == last.Key {
				return conflict(CodeAlreadyDelivered, "订单 %s 已经%s", ord.No, last.Name).about(ord.No, last.Name)
			}
			return conflict(CodeNotShipped, "订单 %s 还是「%s」，发货后才能确认收货", ord.No, o.pipe.Name(ord.Stage)).about(ord.No, o.pipe.Name(ord.Stage))
		}
		now := o.clock()
		if err := moveStage(tx, stageMove{Order: ord, To: last.Key, DueAt: o.pipe.Due(last.Key, ord.WarehouseID, now),
			Kind: "stage", Actor: actor.Label(), Note: receiptNote(note), At: now}); err != nil {
			return err
		}
		if err := endStageWait(tx, o.pipe, ord, last.Key, now); err != nil {
			return err
		}
		return o.notifyStage(tx, ord, last.Key, now)
	})
	if err != nil {
		return Detail{}, err
	}
	o.m.StageChanges.WithLabelValues(last.Key).Inc()
	return o.get(ctx, o.db.WithContext(ctx).Where("id = ?", id), no)
}

func receiptNote(note string) string {
	if note = strings.TrimSpace(note); note != "" && utf8.RuneCountInString(note) <= 480 {
		return fmt.Sprintf("买家确认收货：%s", note)
	}
	return "买家确认收货"
}

// RevokeSession records a buyer's logout: the session with id (hex) no
// longer authenticates, until expires. The database is where it is kept,
// so a logout works, and holds, whatever Redis does. Revocations past
// their expiry are removed on the way, a few at a time.
func (s *Buyers) RevokeSession(ctx context.Context, buyerID uint64, id string, expires time.Time) (err error) {
	defer wrapOp(&err, "Buyers.RevokeSession")
	db := s.db.WithContext(ctx)
	now := s.clock()
	row := model.SessionRevocation{ID: id, BuyerID: buyerID, ExpiresAt: expires.UTC(), CreatedAt: now}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return err
	}
	var old []string
	if err := db.Model(&model.SessionRevocation{}).Where("expires_at < ?", now.Add(-time.Minute)).Limit(100).Pluck("id", &old).Error; err != nil || len(old) == 0 {
		return err
	}
	return db.Where("id IN ?", old).Delete(&model.SessionRevocation{}).Error
}

// SessionRevoked says whether the session with id (hex) was logged out.
func (s *Buyers) SessionRevoked(ctx context.Context, id string) (_ bool, err error) {
	defer wrapOp(&err, "Buyers.SessionRevoked")
	var n int64
	err = s.db.WithContext(ctx).Model(&model.SessionRevocation{}).Where("id = ?", id).Limit(1).Count(&n).Error
	return n > 0, err
}
