package miniprogram

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	mpsdk "github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"

	"orderhub/internal/wxsdk"
)

// DefaultAPIBase is WeChat's API host, as silenceper/wechat hard-codes it.
const DefaultAPIBase = "https://api.weixin.qq.com"

// RewriteAPIBase returns a URI rewriter that sends silenceper/wechat's
// WeChat calls to base instead (the configured API base).
func RewriteAPIBase(base string) func(string) string { return wxsdk.RewriteHost(DefaultAPIBase, base) }

// WeChatError is an errcode WeChat answered with.
type WeChatError struct {
	API  string
	Code int64
	Msg  string
}

func (e *WeChatError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// ErrWeChatUnavailable is WeChat not answering (network, HTTP status).
var ErrWeChatUnavailable = errors.New("wechat unavailable")

// WeChat errcodes orderhub acts on.
const (
	ErrcodeInvalidToken    = 40001 // access token invalid or not the latest
	ErrcodeInvalidToken2   = 40014 // access token invalid
	ErrcodeTokenExpired    = 42001 // access token expired
	ErrcodeNotSubscribed   = 43101 // the buyer has not (or no longer) allowed this message
	ErrcodeBadTemplateData = 47003 // template data does not fit the template
)

// Session is what code2session tells about a buyer.
type Session struct {
	OpenID  string
	UnionID string
}

// WeChat is the mini-program's side of WeChat through silenceper/wechat:
// code2session for logins, subscribe messages for pushes. Its access token
// lives in Redis, shared by every instance, because WeChat rate-limits
// fetching it and invalidates the previous one on each fetch.
type WeChat struct {
	mp    *mpsdk.MiniProgram
	cache *wxsdk.Redis
	appID string
}

// NewWeChat returns a WeChat client for the mini-program appID.
func NewWeChat(appID, appSecret string, rdb redis.UniversalClient, prefix string) *WeChat {
	if appID == "" || rdb == nil {
		panic("miniprogram: NewWeChat: no app id or redis")
	}
	tc := wxsdk.New(rdb, prefix+"wechat:")
	return &WeChat{
		mp:    mpsdk.NewMiniProgram(&mpconfig.Config{AppID: appID, AppSecret: appSecret, Cache: tc}),
		cache: tc,
		appID: appID,
	}
}

// Code2Session exchanges a wx.login code for the buyer's openid.
func (w *WeChat) Code2Session(ctx context.Context, code string) (Session, error) {
	res, err := w.mp.GetAuth().Code2SessionContext(ctx, code)
	if res.ErrCode != 0 {
		return Session{}, &WeChatError{API: "jscode2session", Code: res.ErrCode, Msg: res.ErrMsg}
	}
	if err != nil {
		return Session{}, fmt.Errorf("%w: jscode2session: %w", ErrWeChatUnavailable, err)
	}
	if res.OpenID == "" {
		return Session{}, &WeChatError{API: "jscode2session", Code: -1, Msg: "no openid in the answer"}
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

// Subscribe sends one subscribe message (订阅消息). A WeChat refusal comes
// back as a *WeChatError; an invalid access token is dropped from the cache
// first, so that the retry fetches a new one.
func (w *WeChat) Subscribe(ctx context.Context, msg *subscribe.Message) error {
	err := w.mp.GetSubscribe().Send(msg)
	var ce *util.CommonError
	if errors.As(err, &ce) {
		switch ce.ErrCode {
		case ErrcodeInvalidToken, ErrcodeInvalidToken2, ErrcodeTokenExpired:
			_ = w.cache.DeleteContext(ctx, w.tokenKey())
		}
		return &WeChatError{API: "subscribe/send", Code: ce.ErrCode, Msg: ce.ErrMsg}
	}
	return err
}

// tokenKey is where silenceper/wechat caches the access token.
func (w *WeChat) tokenKey() string {
	return fmt.Sprintf("%s_access_token_%s", credential.CacheKeyMiniProgramPrefix, w.appID)
}
