// Package tcsms sends the outbox's texts (service.MsgTypeSMS rows) through
// Tencent Cloud SMS, API version 2021-01-11, action SendSms.
//
// It calls the API with Tencent Cloud's official Go SDK, module
// github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common: its
// client signs every request with TC3-HMAC-SHA256 and parses the API's
// errors. The SDK's typed SMS module (tencentcloud/sms/v20210111) is not
// served by the Go module proxy this project builds from (403 for
// v1.3.213), so SendSms is called through the same SDK's generic
// CommonRequest, with the parameters the SMS API documents
// (https://cloud.tencent.com/document/api/382/55981): PhoneNumberSet,
// SmsSdkAppId, SignName, TemplateId, TemplateParamSet, SessionContext.
//
// The API base is configurable (sms.api_base): tests run a local server
// that speaks the protocol and checks the signature.
package tcsms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"orderhub/config"
	"orderhub/service"
)

// Sender sends texts; it satisfies service.Sender.
type Sender struct {
	cfg    config.SMS
	client *common.Client
	loc    *time.Location
}

// New returns a Sender for cfg (sms.*), which Validate has checked. Times
// in texts are shown in loc.
func New(cfg config.SMS, loc *time.Location) (*Sender, error) {
	if loc == nil {
		panic("tcsms: New: nil location")
	}
	u, err := url.Parse(cfg.APIBase)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("tcsms: sms.api_base %q: not a URL", cfg.APIBase)
	}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = u.Host
	cpf.HttpProfile.Scheme = strings.ToUpper(u.Scheme)
	cpf.HttpProfile.ReqMethod = "POST"
	cpf.HttpProfile.ReqTimeout = 10
	cpf.SignMethod = "TC3-HMAC-SHA256"
	// The region breaker would switch to Tencent's own backup endpoint
	// after failures, away from the configured base; the outbox retries.
	cpf.DisableRegionBreaker = true
	cpf.Language = "zh-CN"
	client := common.NewCommonClient(common.NewCredential(cfg.SecretID, cfg.SecretKey), cfg.Region, cpf)
	return &Sender{cfg: cfg, client: client, loc: loc}, nil
}

// Send sends one text. The platform refusing the number, the template or
// its parameters is undeliverable (no retry changes it); a rate limit, an
// internal error or no answer is retried by the outbox. Errors never carry
// the number in clear.
func (s *Sender) Send(ctx context.Context, m service.Outgoing) error {
	phone := m.ToUser
	var note service.SMSNote
	if err := json.Unmarshal(m.Body, &note); err != nil {
		return &service.UndeliverableError{Reason: "sms body: " + err.Error()}
	}
	tpl, params, err := s.render(note)
	if err != nil {
		return &service.UndeliverableError{Reason: err.Error()}
	}
	req := tchttp.NewCommonRequest("sms", "2021-01-11", "SendSms")
	req.SetContext(ctx)
	if err := req.SetActionParameters(map[string]any{
		"PhoneNumberSet":   []string{phone},
		"SmsSdkAppId":      s.cfg.SDKAppID,
		"SignName":         s.cfg.SignName,
		"TemplateId":       tpl,
		"TemplateParamSet": params,
		"SessionContext":   "outbox-" + strconv.FormatUint(m.ID, 10),
	}); err != nil {
		return &service.UndeliverableError{Reason: err.Error()}
	}
	res := tchttp.NewCommonResponse()
	if err := s.client.Send(req, res); err != nil {
		var sdk *tcerr.TencentCloudSDKError
		if errors.As(err, &sdk) && permanent(sdk.GetCode()) {
			return &service.UndeliverableError{Reason: masked(fmt.Sprintf("sms %s: %s (%s)", sdk.GetCode(), sdk.GetMessage(), sdk.GetRequestId()), phone)}
		}
		return errors.New(masked("sms: "+err.Error(), phone))
	}
	var out struct {
		Response struct {
			SendStatusSet []struct {
				Code, Message string
			}
			RequestId string
		}
	}
	if err := json.Unmarshal(res.GetBody(), &out); err != nil {
		return fmt.Errorf("sms: answer: %w", err)
	}
	if len(out.Response.SendStatusSet) != 1 {
		return fmt.Errorf("sms: answer has %d statuses for one number (%s)", len(out.Response.SendStatusSet), out.Response.RequestId)
	}
	st := out.Response.SendStatusSet[0]
	if strings.EqualFold(st.Code, "Ok") {
		return nil
	}
	reason := masked(fmt.Sprintf("sms %s: %s (%s)", st.Code, st.Message, out.Response.RequestId), phone)
	if permanent(st.Code) {
		return &service.UndeliverableError{Reason: reason}
	}
	return errors.New(reason)
}

// permanent: codes no retry changes — a bad number, template, signature,
// app or parameter, a number on the blocklist or unsubscribed. Rate limits
// (LimitExceeded.*), internal errors and anything unknown are retried.
func permanent(code string) bool {
	for _, p := range []string{"InvalidParameter", "InvalidParameterValue", "MissingParameter", "UnauthorizedOperation",
		"UnsupportedOperation", "FailedOperation.PhoneNumberInBlacklist", "FailedOperation.PhoneNumberParseFail",
		"FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved",
		"FailedOperation.MissingTemplateToModify", "FailedOperation.ContainSensitiveWord", "FailedOperation.InsufficientBalanceInSmsPackage"} {
		if code == p || strings.HasPrefix(code, p+".") {
			return true
		}
	}
	return false
}

// masked replaces the number, in any of its spellings, by its mask.
func masked(s, phone string) string {
	m := service.MaskPhone(phone)
	for _, p := range []string{phone, strings.TrimPrefix(phone, "+86"), strings.TrimPrefix(phone, "+")} {
		if len(p) >= 7 {
			s = strings.ReplaceAll(s, p, m)
		}
	}
	return s
}

// render picks the note's template and fills its parameters, in the order
// docs/configuration.md gives for each template.
func (s *Sender) render(n service.SMSNote) (string, []string, error) {
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(s.loc).Format("01-02 15:04")
	}
	switch n.Kind {
	case service.SMSDelay:
		params := []string{n.OrderNo, at(n.ETA), at(n.PromisedAt)}
		if n.CouponFen > 0 && s.cfg.DelayCouponTemplate != "" {
			day := ""
			if n.CouponExpiresAt != nil {
				day = n.CouponExpiresAt.In(s.loc).Format("01-02")
			}
			return s.cfg.DelayCouponTemplate, append(params, yuan(n.CouponFen), n.CouponCode, day), nil
		}
		return s.cfg.DelayTemplate, params, nil
	case service.SMSStocking:
		if s.cfg.StockingTemplate == "" {
			return "", nil, errors.New("sms.stocking_template is not configured")
		}
		day := ""
		if n.WindowStart != nil {
			day = n.WindowStart.In(s.loc).Format("01-02")
		}
		return s.cfg.StockingTemplate, []string{n.Customer, day, strconv.Itoa(n.Lines), yuan(n.ValueFen)}, nil
	}
	return "", nil, fmt.Errorf("unknown sms kind %q", n.Kind)
}

// yuan is fen as a template parameter: 20, or 20.50.
func yuan(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}
