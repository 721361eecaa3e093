package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/robot"

	"orderhub/service"
)

// updateCardURL is WeCom's 更新模版卡片消息 (doc 94888). silenceper/wechat
// v2.1.10 has no update_template_card, so it is written here by hand over
// the library's token and HTTP helpers (and so its URI rewrite).
const updateCardURL = "https://qyapi.weixin.qq.com/cgi-bin/message/update_template_card?access_token=%s"

// Errcodes of update_template_card no retry can fix: the response code is
// used, expired (72 h) or unknown.
var cardCodeErrcodes = map[int64]bool{40003: true, 40058: true, 86227: true, 86228: true, 86229: true}

// updateCard replaces the buttons of every copy of a card (ToUser lists
// whose) with the body's replace_name, consuming the click's response code.
func (w *WeCom) updateCard(ctx context.Context, m service.Outgoing) error {
	var body struct {
		ResponseCode string `json:"response_code"`
		Button       struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil || body.ResponseCode == "" {
		return &service.UndeliverableError{Reason: "update_template_card: no response code"}
	}
	agent, _ := strconv.Atoi(w.agentID)
	req := map[string]any{
		"userids": strings.Split(m.ToUser, "|"), "agentid": agent, "response_code": body.ResponseCode,
		"button": map[string]string{"replace_name": body.Button.ReplaceName},
	}
	err := w.withToken(ctx, func() error {
		tok, err := w.msg.GetAccessToken()
		if err != nil {
			return err
		}
		resp, err := util.PostJSONContext(ctx, fmt.Sprintf(updateCardURL, tok), req)
		if err != nil {
			return err
		}
		// DecodeWithError looks for a CommonError field by reflection:
		// given a bare CommonError it fails every call, success included,
		// and the retry then finds the response code used.
		var out struct{ util.CommonError }
		return util.DecodeWithError(resp, &out, "UpdateTemplateCard")
	})
	var ce *util.CommonError
	if errors.As(err, &ce) && (cardCodeErrcodes[ce.ErrCode] || permanentErrcodes[ce.ErrCode]) {
		return &service.UndeliverableError{Reason: ce.Error()}
	}
	return err
}

// robotMarkdown posts to a group robot; ToUser is its webhook key. The
// library's RobotBroadcast returns a nil error on a non-zero errcode, so
// the errcode is checked here.
func (w *WeCom) robotMarkdown(m service.Outgoing) error {
	var body struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return &service.UndeliverableError{Reason: "robot: bad body"}
	}
	opt := robot.WebhookSendMarkdownOption{MsgType: "markdown"}
	opt.Markdown.Content = body.Content
	info, err := w.robot.RobotBroadcast(m.ToUser, opt)
	if err != nil {
		return err
	}
	switch {
	case info.ErrCode == 0:
		return nil
	case info.ErrCode == 93000 || info.ErrCode == 40008: // invalid webhook key, bad message
		return &service.UndeliverableError{Reason: info.Error()}
	}
	return &info
}
