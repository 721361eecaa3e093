package bot

import (
	"encoding/xml"
	"strings"
	"testing"
)

// The command parser never panics, and what it reads is stable: parsing
// the normalized line gives the same command.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"帮助", "库存 BOLT-M8-30", "库存　ＢＯＬＴ－Ｍ８", "推进，SO20261124-000001：待质检 质检员=刘洋", "调拨完成 #12",
		"transfer done 3", "stoc\u212a x", "异常 SO1 少了一箱", "\x00\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Parse(s)
		if again := Parse(normalize(s)); again.Name != c.Name {
			t.Fatalf("%q: %q then %q", s, c.Name, again.Name)
		}
		_ = Closest(s)
		_, _ = fields(strings.Fields(s))
		_ = searchWords(s)
	})
}

// Callback XML and ciphertext from the network never panic.
func FuzzCallbackXML(f *testing.F) {
	f.Add([]byte("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo]]></Encrypt><AgentID>218</AgentID></xml>"))
	f.Add([]byte("<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"))
	f.Add([]byte("<xml><FromUserName>u</FromUserName><MsgType>event</MsgType><Event>click</Event><CreateTime>1</CreateTime></xml>"))
	f.Add([]byte("<xml><Encrypt>"))
	c, err := NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var env envelope
		if xml.Unmarshal(b, &env) == nil {
			_, _ = c.Decrypt(env.Encrypt)
		}
		if m, ok := parseMessage(b); ok {
			_ = m.Key()
		}
		_, _ = c.Decrypt(string(b))
	})
}
