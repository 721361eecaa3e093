package wxsdk

import "strings"

// RewriteHost returns a URI rewriter that sends silenceper/wechat's calls to
// host (which the library hard-codes) to base instead — a proxy, or a local
// server speaking the same protocol — and leaves every other URI alone.
// The library has one process-wide modifier (util.SetURIModifier), shared
// by WeCom and WeChat, so main composes the rewriters and installs them once.
func RewriteHost(host, base string) func(string) string {
	base = strings.TrimRight(base, "/")
	return func(uri string) string {
		if base == "" || base == host {
			return uri
		}
		if rest, ok := strings.CutPrefix(uri, host); ok {
			return base + rest
		}
		return uri
	}
}
