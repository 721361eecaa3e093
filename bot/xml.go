package bot

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// envelope is the outer XML of a POSTed callback.
type envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	Encrypt    string   `xml:"Encrypt"`
	AgentID    string   `xml:"AgentID"`
}

// Message is a decrypted message or event (doc 96467, 90376).
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	PicURL       string   `xml:"PicUrl"`
	MediaID      string   `xml:"MediaId"`
	Format       string   `xml:"Format"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	AgentID      string   `xml:"AgentID"`
	// template_card_event (a card's button tapped).
	TaskID       string `xml:"TaskId"`
	CardType     string `xml:"CardType"`
	ResponseCode string `xml:"ResponseCode"`
}

// parseMessage reads a decrypted message; it refuses one without a sender
// or type, which WeCom never sends.
func parseMessage(b []byte) (Message, bool) {
	var m Message
	if err := xml.Unmarshal(b, &m); err != nil {
		return m, false
	}
	m.FromUserName = strings.TrimSpace(m.FromUserName)
	m.MsgType = strings.TrimSpace(m.MsgType)
	if m.FromUserName == "" || m.MsgType == "" || len(m.FromUserName) > 64 {
		return m, false
	}
	return m, true
}

// Key identifies the message across WeCom's retries: MsgId for messages;
// events have none, so sender, CreateTime and event name.
func (m Message) Key() string {
	if m.MsgID != "" {
		return "msg:" + m.MsgID
	}
	if m.MsgType == "event" {
		return "evt:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.Event
	}
	return ""
}
