package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/addresslist"
	"github.com/silenceper/wechat/v2/work/config"
	wctx "github.com/silenceper/wechat/v2/work/context"
	"github.com/silenceper/wechat/v2/work/material"
	"github.com/silenceper/wechat/v2/work/message"
	"github.com/silenceper/wechat/v2/work/robot"

	"orderhub/internal/wxsdk"
	"orderhub/service"
)

// DefaultAPIBase is WeCom's API host, as silenceper/wechat hard-codes it.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// RewriteAPIBase returns a URI rewriter that sends silenceper/wechat's
// WeCom calls to base instead (the configured API base).
func RewriteAPIBase(base string) func(string) string { return wxsdk.RewriteHost(DefaultAPIBase, base) }

// Errcodes that mean the access token is no good: fetch a new one and try
// once more (silenceper/wechat does not: upstream issue #641).
var tokenErrcodes = map[int64]bool{40014: true, 42001: true, 41001: true, 40001: true}

// Errcodes no retry can fix: the message is marked failed at once.
var permanentErrcodes = map[int64]bool{
	40003:  true, // invalid userid
	40008:  true, // invalid message type
	44004:  true, // empty text
	45002:  true, // content too long
	81013:  true, // user, party and tag all invalid
	40056:  true, // invalid agentid
	301002: true, // no permission to this user
}

// WeCom is the app's client of the WeCom API: app messages (message/send)
// and media (media/get) through silenceper/wechat, with the access token
// cached in Redis so every instance shares one.
type WeCom struct {
	agentID  string
	cache    *wxsdk.Redis
	tokenKey string
	msg      *message.Client
	media    *material.Client
	robot    *robot.Client
	dir      *addresslist.Client
	loc      *time.Location // pushes say times in it (Render)
}

// NewWeCom returns a client for one self-built app.
func NewWeCom(corpID, secret string, agentID int, rdb redis.UniversalClient, prefix string, loc *time.Location) *WeCom {
	if corpID == "" || secret == "" || rdb == nil || loc == nil {
		panic("bot: NewWeCom: missing corp id, secret, redis or location")
	}
	agent := strconv.Itoa(agentID)
	c := wxsdk.New(rdb, prefix+"wecom:")
	cfg := &config.Config{CorpID: corpID, CorpSecret: secret, AgentID: agent, Cache: c}
	tok := credential.NewWorkAccessTokenWithAgentID(corpID, secret, agent, credential.CacheKeyWorkPrefix, c)
	ctx := &wctx.Context{Config: cfg, AccessTokenHandle: tok}
	return &WeCom{
		agentID: agent, cache: c, loc: loc,
		// The key silenceper/wechat's WorkAccessToken caches the token under.
		tokenKey: fmt.Sprintf("%s_access_token_%s_%s", credential.CacheKeyWorkPrefix, corpID, agent),
		msg:      message.NewClient(ctx),
		media:    material.NewClient(ctx),
		robot:    robot.NewClient(ctx),
		dir:      addresslist.NewClient(ctx),
	}
}

// sendRequest is message/send's body: the common fields, and the message
// itself under its msgtype.
type sendRequest struct {
	*message.SendRequestCommon
	body    json.RawMessage
	msgType string
}

func (r sendRequest) MarshalJSON() ([]byte, error) {
	common, err := json.Marshal(r.SendRequestCommon)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(common, &m); err != nil {
		return nil, err
	}
	m[r.msgType] = r.body
	return json.Marshal(m)
}

// Send delivers one outbox row as an app message (or, by its msgtype, a
// card update or a group robot message: bot/cards.go), a service notice
// rendered first (Render).
func (w *WeCom) Send(ctx context.Context, m service.Outgoing) error {
	m, err := Render(m, w.loc)
	if err != nil {
		return err
	}
	switch m.MsgType {
	case msgTypeUpdateCard:
		return w.updateCard(ctx, m)
	case MsgTypeRobot:
		return w.robotMarkdown(m)
	}
	req := sendRequest{SendRequestCommon: &message.SendRequestCommon{ToUser: m.ToUser, MsgType: m.MsgType, AgentID: w.agentID},
		body: m.Body, msgType: m.MsgType}
	err = w.withToken(ctx, func() error {
		resp, err := w.msg.Send("MessageSend", req)
		if err == nil && resp != nil && m.Receipt != nil {
			// A template card's code, kept so an ack from anywhere can
			// update the card later (bot/cards.go, service.Tickets).
			m.Receipt.ResponseCode = resp.ResponseCode
		}
		return err
	})
	var ce *util.CommonError
	if errors.As(err, &ce) && permanentErrcodes[ce.ErrCode] {
		return &service.UndeliverableError{Reason: ce.Error()}
	}
	return err
}

// Media downloads a temporary media file (the waybill photo) by media id.
func (w *WeCom) Media(ctx context.Context, mediaID string) ([]byte, error) {
	var b []byte
	err := w.withToken(ctx, func() error {
		var err error
		b, err = w.media.GetTempFile(mediaID)
		return err
	})
	return b, err
}

// withToken runs call, and when WeCom says the token is invalid or expired
// (it may revoke one early), drops the shared cached token and runs it once
// more with a fresh one.
func (w *WeCom) withToken(ctx context.Context, call func() error) error {
	err := call()
	var ce *util.CommonError
	if errors.As(err, &ce) && tokenErrcodes[ce.ErrCode] {
		_ = w.cache.DeleteContext(ctx, w.tokenKey)
		err = call()
	}
	return err
}
