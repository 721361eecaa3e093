package service

import (
	"errors"
	"strings"
	"testing"
	"time"

	"orderhub/config"
	"orderhub/model"
)

// TestDecideAdvance: the stage engine's decision, without a database: only
// the next stage, only its owner role or a supervisor, the next stage's
// required fields given now or earlier, and the order's fields after it.
func TestDecideAdvance(t *testing.T) {
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	pipe := NewPipeline(cfg)
	loc := time.FixedZone("CST", 8*3600)
	promised := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	cs := Actor{Kind: ActorStaff, ID: "cs", Name: "客服", Roles: []string{"customer_service"}}
	keeper := Actor{Kind: ActorStaff, ID: "k", Name: "仓管", Roles: []string{"keeper"}}
	dispatcher := Actor{Kind: ActorStaff, ID: "d", Name: "发货", Roles: []string{"dispatcher"}}
	boss := Actor{Kind: ActorStaff, ID: "b", Name: "主管", Roles: []string{"supervisor"}}
	for _, tc := range []struct {
		name    string
		ord     model.Order
		mv      Move
		fields  map[string]string
		wantErr error  // a kind, or nil
		code    string // the refusal's code, when it has one
		errHas  string // what the refusal names
		check   func(t *testing.T, a advance)
	}{
		{name: "the next stage, by its owner, with the field it needs", ord: model.Order{Stage: "submitted", Fields: "{}"},
			mv: Move{To: "confirmed", Actor: cs}, fields: map[string]string{"promised_at": "2026-11-30 10:00"},
			check: func(t *testing.T, a advance) {
				if a.next.Key != "confirmed" || a.promisedAt == nil || !a.promisedAt.Equal(promised) {
					t.Errorf("advance = %+v", a)
				}
				if !strings.Contains(a.fields, `"promised_at":"2026-11-30T02:00:00Z"`) || a.given != `{"promised_at":"2026-11-30 10:00"}` {
					t.Errorf("fields %s, given %s", a.fields, a.given)
				}
			}},
		{name: "a required field given at an earlier stage counts", ord: model.Order{Stage: "submitted", Fields: "{}", PromisedAt: &promised},
			mv: Move{To: "confirmed", Actor: cs},
			check: func(t *testing.T, a advance) {
				if a.promisedAt == nil || !a.promisedAt.Equal(promised) || a.given != "null" {
					t.Errorf("advance = %+v", a)
				}
			}},
		{name: "a missing field is named", ord: model.Order{Stage: "submitted", Fields: "{}"}, mv: Move{To: "confirmed", Actor: cs},
			wantErr: ErrInvalid, errHas: "promised_at"},
		{name: "skipping a stage", ord: model.Order{Stage: "submitted", Fields: "{}"}, mv: Move{To: "picking", Actor: boss}, wantErr: ErrConflict},
		{name: "an unknown stage", ord: model.Order{Stage: "submitted", Fields: "{}"}, mv: Move{To: "nowhere", Actor: boss},
			wantErr: ErrInvalid, code: CodeUnknownStage},
		{name: "not the owner's role", ord: model.Order{Stage: "submitted", Fields: "{}", PromisedAt: &promised}, mv: Move{To: "confirmed", Actor: keeper},
			wantErr: ErrForbidden},
		{name: "a supervisor may move any stage", ord: model.Order{Stage: "submitted", Fields: "{}", PromisedAt: &promised}, mv: Move{To: "confirmed", Actor: boss}},
		{name: "shipping sets carrier and waybill, keeps earlier fields", ord: model.Order{Stage: "packed", Fields: `{"qc_inspector":"王"}`},
			mv: Move{To: "shipped", Actor: dispatcher}, fields: map[string]string{"carrier": "顺丰", "tracking_no": "SF1", "waybill_photo": "m1"},
			check: func(t *testing.T, a advance) {
				if a.carrier != "顺丰" || a.trackingNo != "SF1" || !strings.Contains(a.fields, `"qc_inspector":"王"`) || !strings.Contains(a.fields, `"waybill_photo":"m1"`) {
					t.Errorf("advance = %+v", a)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := decideAdvance(pipe, loc, tc.ord, tc.mv, tc.fields)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var coded interface{ Code() string }
				if tc.code != "" && (!errors.As(err, &coded) || coded.Code() != tc.code) {
					t.Errorf("code of %v, want %s", err, tc.code)
				}
				if !strings.Contains(err.Error(), tc.errHas) {
					t.Errorf("%v does not name %s", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}
