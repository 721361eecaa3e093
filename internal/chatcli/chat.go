// Package chatcli is `orderhub chat`: it plays WeCom's side against a
// running orderhub, as a tool that drives the product from outside.
package chatcli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"orderhub/bot"
	"orderhub/bot/localwecom"
	"orderhub/config"
	"orderhub/internal/served"
	"orderhub/service"
)

// Run plays WeCom's side against a running orderhub: it encrypts and
// posts a callback exactly as WeCom does, then prints the app messages
// orderhub sends back to the user (read from the demo's local inbox).
func Run(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stdout) // -h is asked for: its answer is the output
	as := fs.String("as", "", "the WeCom userid to speak as (e.g. wangjg, a keeper in the demo)")
	server := fs.String("server", served.Address(cfg.DataDir, served.LocalBase(cfg.HTTPAddr)), "the running orderhub (default: the one serving the data dir, from its address file)")
	image := fs.String("image", "", "send this image file (a waybill photo) instead of text")
	wait := fs.Duration("wait", 10*time.Second, "how long to wait for replies")
	if err := fs.Parse(args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if *as == "" || (text == "" && *image == "") {
		return errors.New(`chat: usage: orderhub chat --as <userid> "<text>"   or   orderhub chat --as <userid> --image waybill.jpg`)
	}
	corp := cfg.WeCom
	demo := corp.CorpID == ""
	if demo {
		corp = config.WeCom{CorpID: bot.DemoCorpID, AgentID: bot.DemoAgentID, Secret: bot.DemoSecret, Token: bot.DemoToken, AESKey: bot.DemoAESKey}
	}
	crypto, err := bot.NewCrypto(corp.Token, corp.AESKey, corp.CorpID)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*server, "/")
	local := base + bot.LocalPath
	client := &http.Client{Timeout: 10 * time.Second}
	cursor := 0
	if demo {
		if cursor, _, err = readInbox(ctx, client, local, *as, -1); err != nil {
			return fmt.Errorf("chat: is orderhub running at %s? %w", base, err)
		}
	}
	msgID, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	now := time.Now().Unix()
	msg := Message{ToUserName: corp.CorpID, FromUserName: *as, CreateTime: now, MsgType: "text", Content: text,
		MsgID: msgID.String(), AgentID: strconv.Itoa(corp.AgentID)}
	if *image != "" {
		if !demo {
			return errors.New("chat: --image needs the demo's local WeCom (no ORDERHUB_WECOM_CORP_ID)")
		}
		mediaID, err := upload(ctx, client, local, corp, *image)
		if err != nil {
			return err
		}
		msg.MsgType, msg.Content, msg.MediaID, msg.PicURL = "image", "", mediaID, local+"/media/"+mediaID
	}
	if err := PostCallback(ctx, client, base, crypto, msg); err != nil {
		return err
	}
	if !demo {
		fmt.Fprintln(stdout, "sent; orderhub answers through your WeCom corp, so the reply arrives in WeCom")
		return nil
	}
	// Print the replies once everything the message caused has left the
	// outbox: the server says so (progress), so a round trip takes what
	// the server takes, not a quiet spell after the last reply.
	deadline := time.Now().Add(*wait)
	pause := 5 * time.Millisecond
	for {
		p, err := chatProgress(ctx, client, local, msg.MsgID)
		if err != nil {
			return err
		}
		if p.Done() {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chat: no reply within %s (is the outbox dispatcher running? see GET /api/v1/outbox?state=pending)", *wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
	_, msgs, err := readInbox(ctx, client, local, *as, cursor)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		fmt.Fprintln(stdout, m.text())
		fmt.Fprintln(stdout)
	}
	return nil
}

// chatProgress asks the demo server how far the answer to msgID has got.
func chatProgress(ctx context.Context, client *http.Client, local, msgID string) (service.ReplyProgress, error) {
	var p service.ReplyProgress
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, local+"/progress?"+url.Values{"msgid": {msgID}}.Encode(), nil)
	if err != nil {
		return p, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return p, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return p, fmt.Errorf("chat: progress answered %s", resp.Status)
	}
	return p, json.NewDecoder(resp.Body).Decode(&p)
}

// Message is a WeCom callback message as WeCom encrypts and posts it.
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content,omitempty"`
	PicURL       string   `xml:"PicUrl,omitempty"`
	MediaID      string   `xml:"MediaId,omitempty"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`
}

// PostCallback encrypts msg and posts it as WeCom posts callbacks.
func PostCallback(ctx context.Context, client *http.Client, base string, crypto *bot.Crypto, msg Message) error {
	plain, err := xml.Marshal(msg)
	if err != nil {
		return err
	}
	enc, err := crypto.Encrypt(plain)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[%s]]></AgentID></xml>", msg.ToUserName, enc, msg.AgentID)
	q := url.Values{"msg_signature": {crypto.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/wecom/callback?"+q.Encode(), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("chat: is orderhub running at %s? %w", base, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("chat: callback answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

type inboxMsg struct {
	ID      int    `json:"id"`
	MsgType string `json:"msgtype"`
	Content string `json:"content"`
}

// text is the message as a terminal shows it: markdown without its
// markup (bold marks and colour tags would only be noise there; the words
// already say 超时 or 可用 0), a card as its title, rows and buttons,
// anything else as sent.
func (m inboxMsg) text() string {
	switch m.MsgType {
	case "markdown":
		return bot.Plain(m.Content)
	case "template_card":
		return bot.CardText(m.Content)
	}
	return m.Content
}

func readInbox(ctx context.Context, client *http.Client, local, user string, after int) (int, []inboxMsg, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, local+"/inbox?"+url.Values{"touser": {user}, "after": {strconv.Itoa(after)}}.Encode(), nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("local inbox answered %s (is orderhub running with a real corp configured?)", resp.Status)
	}
	var out struct {
		Messages []inboxMsg `json:"messages"`
		Last     int        `json:"last"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, nil, err
	}
	if after < 0 {
		return out.Last, nil, nil
	}
	return out.Last, out.Messages, nil
}

// upload puts an image into the local WeCom as media, as the WeCom app
// does when a user sends a photo.
func upload(ctx context.Context, client *http.Client, local string, corp config.WeCom, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("chat: %w", err)
	}
	id, err := localwecom.Upload(ctx, client, local, corp.CorpID, corp.Secret, filepath.Base(path), data)
	if err != nil {
		return "", fmt.Errorf("chat: %w", err)
	}
	return id, nil
}
