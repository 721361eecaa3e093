package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// TestLinkRequestLoop: a new buyer asks to be linked to their company; the
// request is pushed, through the outbox, to customer service at work (not
// the colleague who has been silent for hours, not the keepers); one open
// request per buyer; a keeper may not decide; approval links the buyer as
// staff's Link does (the buyer now orders for the company) and a second
// decision is refused; a rejection needs and keeps its reason.
func TestLinkRequestLoop(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		cfg := e.cfg
		cfg.Escalation.Away = config.Duration(90 * time.Minute)
		pipe := service.NewPipeline(cfg)
		buyers := service.NewBuyers(db, e.clock.Now)
		links := service.NewLinkRequests(db, buyers, pipe, e.clock.Now, cfg.Location())
		must(e.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cs2", Name: "周客服", Roles: []string{"customer_service"}}))
		now := e.clock.Now()
		seen(t, db, "cs", now.Add(-10*time.Minute))
		seen(t, db, "cs2", now.Add(-3*time.Hour))
		e.clock.Add(3 * time.Second)

		zhao, _, err := buyers.Login(ctx, service.BuyerLogin{OpenID: "o-zhao", Name: "赵六"})
		if err != nil {
			t.Fatal(err)
		}
		// Bad input names its field.
		for _, tc := range []struct {
			name  string
			in    service.LinkAsk
			field string
		}{
			{"nothing", service.LinkAsk{Note: "请关联"}, "company_name"},
			{"long name", service.LinkAsk{CompanyName: string(make([]rune, 65))}, "company_name"},
			{"spaced code", service.LinkAsk{CustomerCode: "C 1"}, "customer_code"},
			{"long note", service.LinkAsk{CompanyName: "宏达机电", Note: string(make([]rune, 201))}, "note"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var inv *service.InvalidError
				if _, err := links.Ask(ctx, zhao, tc.in); !errors.As(err, &inv) || inv.Field != tc.field {
					t.Fatalf("ask = %v, want invalid %s", err, tc.field)
				}
			})
		}
		if _, err := links.Ask(ctx, zhao, service.LinkAsk{CustomerCode: zhao.Customer.Code}); service.ErrorCode(err) != service.CodeAlreadyLinked {
			t.Fatalf("ask for own customer = %v, want already_linked", err)
		}
		v, err := links.Ask(ctx, zhao, service.LinkAsk{CompanyName: "宏达机电", Note: "我是宏达的采购"})
		if err != nil {
			t.Fatal(err)
		}
		if v.State != model.LinkRequestOpen || v.Match == nil || v.Match.Code != "C1" || v.No != "LR20261124-000001" {
			t.Fatalf("request = %+v, match %v", v.LinkRequest, v.Match)
		}
		if _, err := links.Ask(ctx, zhao, service.LinkAsk{CustomerCode: "C2"}); service.ErrorCode(err) != service.CodeLinkRequestOpen {
			t.Fatalf("second open request = %v, want link_request_open", err)
		}
		var rows []model.Outbox
		if err := db.Where("msg_type = ?", service.MsgTypeLinkRequest).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].ToUser != "cs" {
			t.Fatalf("pushes = %+v, want one to cs (at work)", rows)
		}
		var n service.LinkRequestNotice
		if err := json.Unmarshal([]byte(rows[0].Body), &n); err != nil || n.No != v.No || n.MatchCode != "C1" || n.Note != "我是宏达的采购" {
			t.Fatalf("notice = %+v, %v", n, err)
		}

		keeper := service.Actor{Kind: service.ActorStaff, ID: "keeperA", Name: "王仓管", Roles: []string{"keeper"}}
		cs := service.Actor{Kind: service.ActorStaff, ID: "cs", Name: "孙客服", Roles: []string{"customer_service"}}
		if _, err := links.Decide(ctx, v.No, service.LinkDecision{Approve: true}, keeper); !errors.Is(err, service.ErrForbidden) {
			t.Fatalf("keeper decides = %v, want forbidden", err)
		}
		if _, err := links.Decide(ctx, "LR20261123-000001", service.LinkDecision{Approve: true}, cs); !errors.Is(err, service.ErrNotFound) {
			t.Fatalf("wrong day = %v, want not found", err)
		}
		got, err := links.Decide(ctx, "lr20261124-000001", service.LinkDecision{Approve: true}, cs)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != model.LinkRequestApproved || got.Customer == nil || got.Customer.Code != "C1" || got.DecidedBy != "孙客服(cs)" || got.OpenBuyerID != nil {
			t.Fatalf("approved = %+v", got.LinkRequest)
		}
		if b := must(buyers.ByID(ctx, zhao.ID)); b.Customer.Code != "C1" {
			t.Fatalf("buyer orders for %s, want C1", b.Customer.Code)
		}
		if _, err := links.Decide(ctx, "1", service.LinkDecision{Reason: "重复"}, cs); service.ErrorCode(err) != service.CodeLinkRequestDecided {
			t.Fatalf("decide again = %v, want link_request_decided", err)
		}

		// A new request after the first was decided; a name no customer
		// has needs a code to approve, and a rejection its reason.
		v2, err := links.Ask(ctx, zhao, service.LinkAsk{CompanyName: "无名五金"})
		if err != nil {
			t.Fatal(err)
		}
		var lc *service.LinkCustomerError
		if _, err := links.Decide(ctx, v2.No, service.LinkDecision{Approve: true}, cs); !errors.As(err, &lc) {
			t.Fatalf("approve without a customer = %v, want LinkCustomerError", err)
		}
		if _, err := links.Decide(ctx, v2.No, service.LinkDecision{Approve: true, CustomerCode: "NOPE"}, cs); !errors.As(err, &lc) || lc.Customer != "NOPE" {
			t.Fatalf("approve to an unknown code = %v, want LinkCustomerError NOPE", err)
		}
		if _, err := links.Decide(ctx, v2.No, service.LinkDecision{}, cs); service.ErrorCode(err) != service.CodeRequired {
			t.Fatalf("reject without reason = %v, want required", err)
		}
		rej, err := links.Decide(ctx, v2.No, service.LinkDecision{Reason: "查无此公司，请写客户编码"}, cs)
		if err != nil || rej.State != model.LinkRequestRejected || rej.Reason != "查无此公司，请写客户编码" {
			t.Fatalf("reject = %+v, %v", rej.LinkRequest, err)
		}
		if b := must(buyers.ByID(ctx, zhao.ID)); b.Customer.Code != "C1" {
			t.Fatalf("a rejection moved the buyer to %s", b.Customer.Code)
		}
		mine := must(links.Mine(ctx, zhao.ID))
		if len(mine) != 2 || mine[0].No != v2.No || mine[1].State != model.LinkRequestApproved {
			t.Fatalf("mine = %+v", mine)
		}
		if open := must(links.Open(ctx)); len(open) != 0 {
			t.Fatalf("open = %+v, want none", open)
		}
	})
}

// TestLinkRequestRace: a buyer tapping 申请 twice at once gets one open
// request, on every database; two people approving at once link once and
// the other is told it was decided.
func TestLinkRequestRace(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		buyers := service.NewBuyers(db, e.clock.Now)
		links := service.NewLinkRequests(db, buyers, service.NewPipeline(e.cfg), e.clock.Now, e.cfg.Location())
		b, _, err := buyers.Login(ctx, service.BuyerLogin{OpenID: "o-race", Name: "钱七"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 6
		errs := make([]error, n)
		views := make([]service.LinkRequestView, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				views[i], errs[i] = links.Ask(ctx, b, service.LinkAsk{CustomerCode: "C2"})
			}()
		}
		wg.Wait()
		ok, no := 0, ""
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
				no = views[i].No // not always id 1: MariaDB spends ids on refused inserts
			case service.ErrorCode(err) != service.CodeLinkRequestOpen:
				t.Fatalf("ask: %v", err)
			}
		}
		var open int64
		db.Model(&model.LinkRequest{}).Where("state = ?", model.LinkRequestOpen).Count(&open)
		if ok != 1 || open != 1 {
			t.Fatalf("%d asks went through, %d open; want 1", ok, open)
		}
		boss := service.Actor{Kind: service.ActorStaff, ID: "boss", Name: "郑经理", Roles: []string{"supervisor"}}
		cs := service.Actor{Kind: service.ActorStaff, ID: "cs", Name: "孙客服", Roles: []string{"customer_service"}}
		var decided [2]error
		for i, a := range []service.Actor{boss, cs} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, decided[i] = links.Decide(ctx, no, service.LinkDecision{Approve: true}, a)
			}()
		}
		wg.Wait()
		if (decided[0] == nil) == (decided[1] == nil) {
			t.Fatalf("decisions = %v, %v; want one through and one refused", decided[0], decided[1])
		}
		for _, err := range decided {
			if err != nil && service.ErrorCode(err) != service.CodeLinkRequestDecided {
				t.Fatalf("the second decision = %v, want link_request_decided", err)
			}
		}
		if got := must(buyers.ByID(ctx, b.ID)); got.Customer.Code != "C2" {
			t.Fatalf("buyer orders for %s, want C2", got.Customer.Code)
		}
	})
}
