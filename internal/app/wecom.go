package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/internal/ocr"
	"orderhub/internal/served"
	"orderhub/service"
)

// wecomParts is the WeCom side of one process: the corp it talks to and,
// in the embedded demo, the local WeCom its messages go to.
type wecomParts struct {
	corp config.WeCom
	mode wecomMode
	// oauth is the board's WeCom web login (nil with WeCom off).
	oauth *bot.OAuth
	// local is the demo's local WeCom (nil with a real corp).
	local *localwecom.Server
}

// wecomMode is which WeCom a process talks to.
type wecomMode int

const (
	// wecomReal: the configured corp.
	wecomReal wecomMode = iota
	// wecomDemo: the demo corp and its local WeCom, on this server.
	wecomDemo
	// wecomOff: no corp on a server that is not the embedded demo, and no
	// opt-in to the demo corp: no callback, no local WeCom, no WeCom login,
	// and messages to staff fail as undeliverable.
	wecomOff
)

// offCorp names the corp a server with WeCom off builds its (never used)
// WeCom client for; nothing is served or sent with it.
const offCorp = "wecom-off"

// wecomCorp is the WeCom corp the bot talks to: the configured one; with
// no corp configured, the demo corp — whose local WeCom it starts here,
// and routes mounts — in the embedded demo, or on MySQL when wecom.local opts in
// (logged as a warning: anyone who reaches the port is then any staff
// member); else none. The returned corp's APIBase is where its API calls
// go; nothing in a.cfg changes, so no later step depends on this one.
func (a *App) wecomCorp() (corp config.WeCom, mode wecomMode, local *localwecom.Server, err error) {
	corp = a.cfg.WeCom
	if corp.CorpID != "" {
		return corp, wecomReal, nil, nil
	}
	if !a.cfg.Embedded() {
		if a.cfg.WeCom.Local != config.WeComLocalInsecure {
			a.log.Warn("WeCom is off: no wecom.corp_id (ORDERHUB_WECOM_CORP_ID) is configured; chat, pushes to staff and the board's WeCom login do not work. " +
				"The demo corp runs only in the embedded mode, or on a private test network with ORDERHUB_WECOM_LOCAL=" + config.WeComLocalInsecure)
			return config.WeCom{CorpID: offCorp, Secret: offCorp}, wecomOff, nil, nil
		}
		a.log.Warn("INSECURE: the demo WeCom corp is served on a MySQL server (ORDERHUB_WECOM_LOCAL=" + config.WeComLocalInsecure + "): " +
			"anyone who reaches this port can log into the board as any staff member, read every staff message at " + bot.LocalPath + "/inbox " +
			"and send commands as any keeper with the published token and AES key; never on a network others reach")
	}
	corp = config.WeCom{CorpID: bot.DemoCorpID, AgentID: bot.DemoAgentID, Secret: bot.DemoSecret, Token: bot.DemoToken, AESKey: bot.DemoAESKey}
	local = localwecom.New(corp.CorpID, corp.Secret)
	// The bot sends to the local WeCom on a loopback port of its own:
	// the served address is not known yet when ORDERHUB_HTTP_ADDR has
	// port 0, and replies sent to it would never arrive.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return corp, wecomDemo, nil, fmt.Errorf("demo wecom: %w", err)
	}
	ls := &http.Server{Handler: local, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ls.Serve(ln) }()
	a.closers = append(a.closers, func() { _ = ls.Close() })
	corp.APIBase = "http://" + ln.Addr().String()
	return corp, wecomDemo, local, nil
}

// offSender refuses every WeCom message of a server with WeCom off: each
// is marked failed at once, with the reason, instead of retried.
type offSender struct{}

func (offSender) Send(context.Context, service.Outgoing) error {
	return &service.UndeliverableError{Reason: "wecom is off: no wecom.corp_id configured"}
}

// BotBanner prints how to reach the bot; in the demo, the demo corp.
func (a *App) BotBanner(w io.Writer) {
	if a.wecom.mode == wecomOff {
		fmt.Fprintf(w, "WeCom: off (no ORDERHUB_WECOM_CORP_ID; chat and pushes to staff need a corp, see docs/configuration.md)\n")
		return
	}
	if a.wecom.mode == wecomReal {
		fmt.Fprintf(w, "WeCom app: corp %s, agent %d, callback /wecom/callback\n", a.wecom.corp.CorpID, a.wecom.corp.AgentID)
		return
	}
	c := a.wecom.corp
	if !a.cfg.Embedded() {
		fmt.Fprintf(w, "INSECURE: demo WeCom corp on a MySQL server (ORDERHUB_WECOM_LOCAL=%s): anyone who reaches this port is any staff member\n", config.WeComLocalInsecure)
	}
	fmt.Fprintf(w, "WeCom demo corp (no ORDERHUB_WECOM_CORP_ID set; replies go to the local inbox at %s/inbox):\n", bot.LocalPath)
	fmt.Fprintf(w, "  corp id %s  agent %d  token %s  aes key %s\n", c.CorpID, c.AgentID, c.Token, c.AESKey)
	fmt.Fprintf(w, "try:  go run ./cmd/orderhub chat --as wangjg \"帮助\"   (after go build: ./orderhub chat …)\n")
}

// ocr returns the configured slip reader, or nil (the bot then says no
// engine is configured and offers typing the order): tesseract when the
// binary with chi_sim is found, WeChat's OCR when configured.
func (a *App) ocr() service.OCR {
	switch a.cfg.OCR.Engine {
	case "wechat":
		return ocr.NewWeChat(a.cfg.OCR.AppID, a.cfg.OCR.AppSecret, a.rdb, a.cfg.Redis.Prefix)
	case "tesseract":
		t, err := ocr.FindTesseract(context.Background(), a.cfg.OCR.Tesseract)
		if err != nil {
			a.log.Warn("slip photos will not be read", "err", err)
			return nil
		}
		return t
	}
	return nil
}

// chatProgress answers `orderhub chat` (demo only): how far the answer to
// the message it posted (?msgid=) has got, so it prints the replies as
// soon as they are all out rather than after a quiet spell.
func (a *App) chatProgress(c *gin.Context) {
	id := c.Query("msgid")
	if id == "" || len(id) > 64 {
		c.JSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "invalid", "message": "msgid：缺少消息编号"}})
		return
	}
	p, err := a.inbox.Progress(c.Request.Context(), "msg:"+id)
	if err != nil {
		a.log.ErrorContext(c.Request.Context(), "chat progress", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": "internal", "message": "内部错误"}})
		return
	}
	c.JSON(http.StatusOK, p)
}

// boardURL is where staff open the board, for links in chat replies: the
// public URL, else this machine's address (the embedded demo's).
func boardURL(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	return "http://" + served.DisplayAddr(cfg.HTTPAddr)
}
