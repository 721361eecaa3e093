package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/work/config"
	wctx "github.com/silenceper/wechat/v2/work/context"
	"github.com/silenceper/wechat/v2/work/oauth"

	"github.com/redis/go-redis/v9"
	"orderhub/internal/wxsdk"
)

// DefaultOAuthBase is where WeCom's web-login (网页授权) page lives, as
// silenceper/wechat hard-codes it.
const DefaultOAuthBase = "https://open.weixin.qq.com"

// OAuth is the app's WeCom web login: the menu link's authorize URL, and
// code → userid through silenceper/wechat's work/oauth (auth/getuserinfo,
// its API host rewritten like every other WeCom call).
type OAuth struct {
	o    *oauth.Oauth
	base string
}

// NewOAuth returns the web login of one self-built app. base replaces
// open.weixin.qq.com in the authorize URL (the demo's local WeCom); empty
// keeps WeCom's.
func NewOAuth(corpID, secret string, agentID string, rdb redis.UniversalClient, prefix, base string) *OAuth {
	if corpID == "" || secret == "" || rdb == nil {
		panic("bot: NewOAuth: missing corp id, secret or redis")
	}
	c := wxsdk.New(rdb, prefix+"wecom:")
	cfg := &config.Config{CorpID: corpID, CorpSecret: secret, AgentID: agentID, Cache: c}
	tok := credential.NewWorkAccessTokenWithAgentID(corpID, secret, agentID, credential.CacheKeyWorkPrefix, c)
	return &OAuth{o: oauth.NewOauth(&wctx.Context{Config: cfg, AccessTokenHandle: tok}), base: base}
}

// AuthorizeURL is where the browser goes to log in; WeCom sends it back to
// redirect with ?code=…&state=state.
func (a *OAuth) AuthorizeURL(redirect, state string) string {
	u := a.o.GetTargetURL(redirect)
	// The SDK writes state=STATE; the board's state is a signed value.
	u = strings.Replace(u, "state=STATE", "state="+state, 1)
	if a.base != "" {
		u = strings.Replace(u, DefaultOAuthBase, strings.TrimRight(a.base, "/"), 1)
	}
	return u
}

// UserID turns a web-login code into the member's userid.
func (a *OAuth) UserID(ctx context.Context, code string) (string, error) {
	res, err := a.o.GetUserInfo(code)
	if err != nil {
		return "", err
	}
	if res.UserID == "" {
		return "", errors.New("wecom oauth: not a member of the corp (no userid)")
	}
	return res.UserID, nil
}
