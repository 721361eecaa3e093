package tcsms_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/internal/tcsms"
	"orderhub/internal/tcsms/smstest"
	"orderhub/service"
)

func smsConfig(base, key string) config.SMS {
	c := config.DefaultSMS()
	c.APIBase, c.SDKAppID, c.SecretID, c.SecretKey, c.SignName = base, "1400000001", "AKIDtest", key, "五金订货"
	c.DelayTemplate, c.DelayCouponTemplate, c.StockingTemplate = "1001", "1002", "1003"
	return c
}

func outgoing(t *testing.T, id uint64, phone string, note service.SMSNote) service.Outgoing {
	t.Helper()
	b, err := json.Marshal(note)
	if err != nil {
		t.Fatal(err)
	}
	return service.Outgoing{ID: id, ToUser: phone, MsgType: service.MsgTypeSMS, Body: b}
}

func TestSendSignedAndRendered(t *testing.T) {
	srv := smstest.New(t, "AKIDtest", "secret-key")
	loc, _ := time.LoadLocation("Asia/Shanghai")
	s, err := tcsms.New(smsConfig(srv.URL, "secret-key"), loc)
	if err != nil {
		t.Fatal(err)
	}
	eta := time.Date(2026, 12, 8, 7, 0, 0, 0, time.UTC)
	promised := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	exp := time.Date(2027, 1, 6, 2, 0, 0, 0, time.UTC)
	start := time.Date(2026, 12, 21, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		note   service.SMSNote
		tpl    string
		params []string
	}{
		{"delay with coupon", service.SMSNote{Kind: service.SMSDelay, OrderNo: "SO2612080001", ETA: &eta, PromisedAt: &promised, CouponFen: 2000, CouponCode: "YQ000007", CouponExpiresAt: &exp},
			"1002", []string{"SO2612080001", "12-08 15:00", "12-08 10:00", "20", "YQ000007", "01-06"}},
		{"delay without coupon", service.SMSNote{Kind: service.SMSDelay, OrderNo: "SO2612080002", ETA: &eta, PromisedAt: &promised},
			"1001", []string{"SO2612080002", "12-08 15:00", "12-08 10:00"}},
		{"stocking list", service.SMSNote{Kind: service.SMSStocking, Customer: "昆山永固", WindowStart: &start, Lines: 4, ValueFen: 1234550},
			"1003", []string{"昆山永固", "12-22", "4", "12345.50"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Texts())
			if err := s.Send(context.Background(), outgoing(t, 42, "+8613900000001", tc.note)); err != nil {
				t.Fatal(err)
			}
			texts := srv.Texts()
			if len(texts) != before+1 {
				t.Fatalf("texts: %+v", texts)
			}
			got := texts[len(texts)-1]
			if got.Phone != "+8613900000001" || got.TemplateID != tc.tpl || !slices.Equal(got.Params, tc.params) ||
				got.SdkAppID != "1400000001" || got.SignName != "五金订货" || got.Session != "outbox-42" || got.Region != "ap-guangzhou" {
				t.Fatalf("sent %+v; want template %s params %q", got, tc.tpl, tc.params)
			}
		})
	}
	if srv.Rejected != 0 {
		t.Fatalf("%d requests rejected for their signature", srv.Rejected)
	}
}

// TestSignatureChecked: the local server refuses a request signed with
// another key, as the API would, and the send is retried, not dropped.
func TestSignatureChecked(t *testing.T) {
	srv := smstest.New(t, "AKIDtest", "secret-key")
	s, err := tcsms.New(smsConfig(srv.URL, "wrong-key"), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), outgoing(t, 1, "+8613900000001", service.SMSNote{Kind: service.SMSDelay, OrderNo: "SO1"}))
	var und *service.UndeliverableError
	if err == nil || errors.As(err, &und) || srv.Rejected != 1 || len(srv.Texts()) != 0 {
		t.Fatalf("err %v, rejected %d, texts %d", err, srv.Rejected, len(srv.Texts()))
	}
}

// TestRefusalsSortedAndMasked: a blocklisted number is undeliverable, a
// rate limit is retried; neither error shows the number in clear.
func TestRefusalsSortedAndMasked(t *testing.T) {
	srv := smstest.New(t, "AKIDtest", "secret-key")
	srv.Refuse("+8613900000001", "FailedOperation.PhoneNumberInBlacklist")
	srv.Refuse("+8613900000002", "LimitExceeded.PhoneNumberDailyLimit")
	s, err := tcsms.New(smsConfig(srv.URL, "secret-key"), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		phone         string
		undeliverable bool
	}{{"+8613900000001", true}, {"+8613900000002", false}} {
		err := s.Send(context.Background(), outgoing(t, 1, tc.phone, service.SMSNote{Kind: service.SMSDelay, OrderNo: "SO1"}))
		var und *service.UndeliverableError
		if err == nil || errors.As(err, &und) != tc.undeliverable {
			t.Fatalf("%s: err %v, want undeliverable %v", service.MaskPhone(tc.phone), err, tc.undeliverable)
		}
		if strings.Contains(err.Error(), strings.TrimPrefix(tc.phone, "+86")) {
			t.Fatalf("error shows the number: %v", err)
		}
	}
}
