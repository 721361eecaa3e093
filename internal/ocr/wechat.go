package ocr

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	sdkocr "github.com/silenceper/wechat/v2/officialaccount/ocr"
	"github.com/silenceper/wechat/v2/util"

	"orderhub/internal/wxsdk"
)

// commURL is WeChat's printed-text OCR. The SDK's OCR.Common sends an
// image URL only (img_url), which would mean publishing slip photos; the
// API also takes the image itself as the multipart field "img", which is
// what this sends, through the SDK's access token, HTTP helper (so the
// configured API base applies, util.SetURIModifier) and result types.
const commURL = "https://api.weixin.qq.com/cv/ocr/comm"

// WeChat reads slips with WeChat's cv/ocr/comm.
type WeChat struct {
	token credential.AccessTokenContextHandle
}

// NewWeChat returns the engine for the account appID, its access token
// cached in Redis under prefix (shared by instances).
func NewWeChat(appID, appSecret string, rdb redis.UniversalClient, prefix string) *WeChat {
	cache := wxsdk.New(rdb, prefix+"wechat_ocr:")
	return &WeChat{token: credential.NewDefaultAccessToken(appID, appSecret, credential.CacheKeyOfficialAccountPrefix, cache)}
}

// Name says which engine this is.
func (w *WeChat) Name() string { return "wechat" }

// Text sends the image and joins the text items into lines, top to
// bottom, left to right.
func (w *WeChat) Text(ctx context.Context, image []byte) (string, error) {
	token, err := w.token.GetAccessTokenContext(ctx)
	if err != nil {
		return "", fmt.Errorf("wechat ocr: access token: %w", err)
	}
	body, err := util.PostFileByStream("img", "slip.jpg", commURL+"?access_token="+url.QueryEscape(token), image)
	if err != nil {
		return "", fmt.Errorf("wechat ocr: %w", err)
	}
	var res sdkocr.ResCommon
	if err := json.Unmarshal(body, &res); err != nil {
		return "", fmt.Errorf("wechat ocr: %w", err)
	}
	if res.ErrCode != 0 {
		return "", fmt.Errorf("wechat ocr: errcode %d: %s", res.ErrCode, res.ErrMsg)
	}
	type item struct {
		x, y, h int64
		text    string
	}
	items := make([]item, len(res.Items))
	for i, it := range res.Items {
		p := it.Position
		items[i] = item{x: p.LeftTop.X, y: p.LeftTop.Y, h: p.LeftBottom.Y - p.LeftTop.Y, text: it.Text}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].y < items[j].y })
	var lines [][]item
	for _, it := range items {
		n := len(lines)
		if n > 0 {
			first := lines[n-1][0]
			half := max(first.h/2, 8)
			if d := it.y - first.y; d >= -half && d <= half {
				lines[n-1] = append(lines[n-1], it)
				continue
			}
		}
		lines = append(lines, []item{it})
	}
	var out strings.Builder
	for _, l := range lines {
		sort.SliceStable(l, func(i, j int) bool { return l[i].x < l[j].x })
		for i, it := range l {
			if i > 0 {
				out.WriteByte(' ')
			}
			out.WriteString(it.text)
		}
		out.WriteByte('\n')
	}
	return out.String(), nil
}
