package wxsdk_test

import (
	"testing"

	"orderhub/internal/wxsdk"
)

func TestRewriteHost(t *testing.T) {
	tests := []struct {
		base, uri, want string
	}{
		{"http://127.0.0.1:9000/", "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=x", "http://127.0.0.1:9000/cgi-bin/gettoken?corpid=x"},
		{"http://127.0.0.1:9000", "https://api.weixin.qq.com/sns/jscode2session", "https://api.weixin.qq.com/sns/jscode2session"},
		{"", "https://qyapi.weixin.qq.com/cgi-bin/message/send", "https://qyapi.weixin.qq.com/cgi-bin/message/send"},
		{"https://qyapi.weixin.qq.com", "https://qyapi.weixin.qq.com/x", "https://qyapi.weixin.qq.com/x"},
	}
	for _, tc := range tests {
		if got := wxsdk.RewriteHost("https://qyapi.weixin.qq.com", tc.base)(tc.uri); got != tc.want {
			t.Errorf("base %q: %s -> %s, want %s", tc.base, tc.uri, got, tc.want)
		}
	}
}
