package config

import (
	"errors"
	"net/url"
	"strings"
)

// SMS is Tencent Cloud SMS (短信), how buyers without the mini-program are
// told of a delay (and, with a coupon, compensated) or sent their stocking
// list. Off while sdk_app_id is empty: nothing is queued for SMS then.
type SMS struct {
	// APIBase is the SMS API's address: https://sms.tencentcloudapi.com,
	// or a local server speaking the same protocol in tests.
	APIBase string `yaml:"api_base" env:"API_BASE"`
	// Region is the API's region parameter (ap-guangzhou).
	Region string `yaml:"region" env:"REGION"`
	// SDKAppID is the SMS application's id (SmsSdkAppId, 1400…).
	SDKAppID string `yaml:"sdk_app_id" env:"SDK_APP_ID"`
	// SecretID and SecretKey are the API key pair (TC3-HMAC-SHA256).
	SecretID  string `yaml:"secret_id" env:"SECRET_ID"`
	SecretKey string `yaml:"secret_key" env:"SECRET_KEY"`
	// SignName is the approved signature shown as 【…】 before each text.
	SignName string `yaml:"sign_name" env:"SIGN_NAME"`
	// DelayTemplate is the approved template of a delay notice, with the
	// parameters {1} order number, {2} new estimate, {3} promised time.
	DelayTemplate string `yaml:"delay_template" env:"DELAY_TEMPLATE"`
	// DelayCouponTemplate is a delay notice with a coupon: {1}–{3} as
	// DelayTemplate, {4} the coupon in yuan, {5} its code, {6} the last
	// day it may be used. Empty: DelayTemplate, without the coupon.
	DelayCouponTemplate string `yaml:"delay_coupon_template" env:"DELAY_COUPON_TEMPLATE"`
	// StockingTemplate is a stocking list's notice: {1} the customer, {2}
	// the window's first day, {3} the number of lines, {4} the expected
	// value in yuan. Empty: lists are not sent by SMS.
	StockingTemplate string `yaml:"stocking_template" env:"STOCKING_TEMPLATE"`
}

// DefaultSMS is off, pointed at Tencent Cloud's endpoint.
func DefaultSMS() SMS {
	return SMS{APIBase: "https://sms.tencentcloudapi.com", Region: "ap-guangzhou"}
}

// Enabled reports whether SMS is configured (sdk_app_id set).
func (s SMS) Enabled() bool { return s.SDKAppID != "" }

func (c *Config) validateSMS() error {
	s := c.SMS
	if !s.Enabled() {
		return nil
	}
	u, err := url.Parse(s.APIBase)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("config: sms.api_base (ORDERHUB_SMS_API_BASE): must be an http(s) URL such as https://sms.tencentcloudapi.com")
	}
	for _, f := range []struct{ v, key, env string }{
		{s.Region, "region", "REGION"},
		{s.SecretID, "secret_id", "SECRET_ID"},
		{s.SecretKey, "secret_key", "SECRET_KEY"},
		{s.SignName, "sign_name", "SIGN_NAME"},
		{s.DelayTemplate, "delay_template", "DELAY_TEMPLATE"},
	} {
		if strings.TrimSpace(f.v) == "" {
			return errors.New("config: sms." + f.key + " (ORDERHUB_SMS_" + f.env + "): required when sms.sdk_app_id is set")
		}
	}
	return nil
}
