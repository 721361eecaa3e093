package service

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/internal/textesc"
	"orderhub/model"
)

// StockingSent is what one SendDue did.
type StockingSent struct {
	Sent int // lists sent (rows written by this instance)
	// Told counts who was told: sales staff in WeCom, buyers by a
	// subscribe message into the mini-program, customers by SMS.
	Sales, Buyers, SMS int
}

// WithSMS lets SendDue text a customer whose buyers have no app account
// (sms.stocking_template configured).
func (s *Stocking) WithSMS(on bool) *Stocking {
	s.sms = on
	return s
}

// SendDue sends every list whose send_on has come and whose window has not
// begun: the customer's sales or service person is told in WeCom with the
// customer's recent orders, each buyer who allowed it gets a subscribe
// message that opens the list in the mini-program, and a customer with no
// buyer in the mini-program is texted. Once per customer and window on any number of
// instances: the stocking_sends row's unique key is written first, in the
// transaction that queues the messages, and only the instance whose
// insert went in queues them. Buyers in the mini-program find the list
// there (GET /api/mp/v1/stocking-list).
func (s *Stocking) SendDue(ctx context.Context) (_ StockingSent, err error) {
	defer wrapOp(&err, "Stocking.SendDue")
	var out StockingSent
	ls, err := s.lists(ctx, "")
	if err != nil {
		return out, err
	}
	now := s.clock()
	local := now.In(s.loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	for _, l := range ls {
		if l.SentAt != nil || today.Before(l.SendOn) || !today.Before(l.From) {
			continue
		}
		// inTx may run the function again (a deadlock between two
		// instances inserting the same key): count only what committed.
		var sent StockingSent
		err := inTx(ctx, s.db, func(tx *gorm.DB) error {
			sent = StockingSent{}
			row := model.StockingSend{CustomerID: l.CustomerID, Window: l.window(), Lines: linesJSON(l.Lines), ValueFen: l.ValueFen,
				PromisedAt: l.PromisedAt, SentAt: now}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error // another instance sent it
			}
			sent.Sent++
			var told []string
			sales, err := s.salesOf(tx, l.CustomerID, now)
			if err != nil {
				return err
			}
			if len(sales) > 0 {
				hist, err := s.recent(tx, l.CustomerID)
				if err != nil {
					return err
				}
				if _, err := enqueueOne(tx, now, 0, Message{To: sales, Type: "markdown", Body: map[string]string{"content": s.salesText(l, hist)},
					Key: "stocking:" + strconv.FormatUint(l.CustomerID, 10) + ":" + l.window() + ":sales"}); err != nil {
					return err
				}
				sent.Sales++
				for _, u := range sales {
					told = append(told, "sales:"+u)
				}
			}
			from := l.From.UTC()
			buyers, err := notifyStockingBuyers(tx, l.CustomerID, SubscribeNote{Event: EventStocking, StageName: "备货提醒", At: now,
				PromisedAt: l.PromisedAt, WindowStart: &from, Lines: len(l.Lines), ValueFen: l.ValueFen}, l.window())
			if err != nil {
				return err
			}
			sent.Buyers += len(buyers)
			for _, o := range buyers {
				told = append(told, "buyer:"+o)
			}
			if ok, err := s.text(tx, l, now); err != nil {
				return err
			} else if ok {
				sent.SMS++
				told = append(told, "sms")
			}
			return tx.Model(&model.StockingSend{}).Where("id = ?", row.ID).Update("told", trunc(strings.Join(told, ","), 255)).Error
		})
		if err != nil {
			return out, err
		}
		out.Sent += sent.Sent
		out.Sales += sent.Sales
		out.Buyers += sent.Buyers
		out.SMS += sent.SMS
	}
	return out, nil
}

// salesOf is the customer's sales or service person: whoever confirmed
// most of their orders of the last 90 days; else every active holder of
// stocking.sales_role.
func (s *Stocking) salesOf(tx *gorm.DB, customerID uint64, now time.Time) ([]string, error) {
	stages := s.pipe.Stages()
	var actors []string
	if len(stages) > 1 {
		if err := tx.Table("order_events AS e").Joins("JOIN orders AS o ON o.id = e.order_id").
			Where("o.customer_id = ? AND e.to_stage = ? AND e.created_at >= ?", customerID, stages[1].Key, now.AddDate(0, 0, -90)).
			Pluck("e.actor", &actors).Error; err != nil {
			return nil, err
		}
	}
	count := map[string]int{}
	best := ""
	for _, a := range actors {
		_, id := splitActorLabel(a)
		count[id]++
		if count[id] > count[best] || (count[id] == count[best] && id < best) {
			best = id
		}
	}
	if best != "" {
		var st []model.Staff
		if err := tx.Where("user_id = ? AND active = ?", best, true).Limit(1).Find(&st).Error; err != nil {
			return nil, err
		}
		if len(st) == 1 {
			return []string{st[0].UserID}, nil
		}
	}
	var staff []model.Staff
	if err := tx.Where("active = ?", true).Order("id").Find(&staff).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, st := range staff {
		for _, r := range strings.Split(st.Roles, ",") {
			if strings.TrimSpace(r) == s.cfg.SalesRole {
				out = append(out, st.UserID)
				break
			}
		}
	}
	return out, nil
}

// splitActorLabel reads a timeline label "王芳(wangfang)" into name and id.
func splitActorLabel(label string) (name, id string) {
	if i := strings.LastIndex(label, "("); i > 0 && strings.HasSuffix(label, ")") {
		return label[:i], label[i+1 : len(label)-1]
	}
	return label, label
}

// recent is the customer's last five orders, newest first.
func (s *Stocking) recent(tx *gorm.DB, customerID uint64) ([]model.Order, error) {
	var os []model.Order
	err := tx.Select("id, no, created_at, total_fen, promised_at, remark, stage").Where("customer_id = ?", customerID).
		Order("created_at DESC").Limit(5).Find(&os).Error
	return os, err
}

// salesText is the WeCom markdown told to the sales person: the list, and
// the customer's recent orders. Names go through the markdown escaping;
// at most 10 lines are listed (…另有 N 项), within WeCom's 4,096 bytes.
func (s *Stocking) salesText(l StockingList, hist []model.Order) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n", textesc.Markdown(l.title(), 80))
	fmt.Fprintf(&b, "> 往常这几天集中下单，请提前联系客户备货。预计金额 %s", Yuan(l.ValueFen))
	if l.PromisedAt != nil {
		fmt.Fprintf(&b, "，可承诺 %s 前送达", l.PromisedAt.In(s.loc).Format("1月2日 15:04"))
	} else {
		b.WriteString("，<font color=\"warning\">有货品库存不足，需先补货</font>")
	}
	b.WriteString("\n")
	for i, ln := range l.Lines {
		if i == 10 {
			fmt.Fprintf(&b, "…另有 %d 项\n", len(l.Lines)-10)
			break
		}
		short := ""
		if ln.Short {
			short = fmt.Sprintf("（现货 %d）", ln.Available)
		}
		fmt.Fprintf(&b, "- %s %s ×%d%s\n", ln.SKU, textesc.Markdown(ln.Name, 20), ln.Qty, short)
	}
	if len(hist) > 0 {
		b.WriteString("近期订单：\n")
		for _, o := range hist {
			rush := ""
			if (o.PromisedAt != nil && o.PromisedAt.Sub(o.CreatedAt) <= 24*time.Hour) || strings.Contains(o.Remark, "加急") || strings.Contains(o.Remark, "急用") {
				rush = " 加急"
			}
			fmt.Fprintf(&b, "- %s %s %s%s\n", o.CreatedAt.In(s.loc).Format("1月2日"), o.No, Yuan(o.TotalFen), rush)
		}
	}
	return b.String()
}

// text queues the SMS of a list to a customer with no buyer in the
// mini-program; false when they have one, SMS is off or the number is no
// mobile.
func (s *Stocking) text(tx *gorm.DB, l StockingList, now time.Time) (bool, error) {
	if !s.sms {
		return false, nil
	}
	var buyers int64
	if err := tx.Model(&model.Buyer{}).Where("customer_id = ?", l.CustomerID).Count(&buyers).Error; err != nil || buyers > 0 {
		return false, err
	}
	var cu model.Customer
	if err := tx.Where("id = ?", l.CustomerID).Take(&cu).Error; err != nil {
		return false, err
	}
	phone, ok := Mobile(cu.Phone)
	if !ok {
		return false, nil
	}
	from := l.From
	row, err := enqueueOne(tx, now, 0, Message{Channel: ChannelOutboxSMS, To: []string{phone}, Type: MsgTypeSMS,
		Body: SMSNote{Kind: SMSStocking, Customer: shortName(cu.Name), WindowStart: &from, Lines: len(l.Lines), ValueFen: l.ValueFen},
		Key:  "sms:stocking:" + strconv.FormatUint(l.CustomerID, 10) + ":" + l.window()})
	return err == nil && row.ID != 0, err
}

// shortName cuts a company name for a template parameter (Tencent allows
// few characters per variable): the first 12 characters.
func shortName(n string) string {
	r := []rune(n)
	if len(r) > 12 {
		return string(r[:12])
	}
	return n
}

// RunSender sends due lists every interval until ctx ends; poke wakes the
// outbox after a send.
func (s *Stocking) RunSender(ctx context.Context, every time.Duration, poke func(), log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r, err := s.SendDue(ctx)
		if err != nil {
			log.ErrorContext(ctx, "stocking lists: send", "err", err)
		} else if r.Sent > 0 {
			log.InfoContext(ctx, "stocking lists sent", "lists", r.Sent, "sales", r.Sales, "buyers", r.Buyers, "sms", r.SMS)
			if poke != nil {
				poke()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
