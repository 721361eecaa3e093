// Package textesc is the one place where words people typed (names,
// remarks, addresses, descriptions) are made safe for the message format
// they are put into (DESIGN.md invariant 9). Each format has one function;
// every builder of a WeCom markdown, text, card or WeChat subscribe message,
// and every HTML fragment built by hand, passes user-supplied text through
// it. Each function also cuts to a length in characters, because a field
// over WeCom's or WeChat's limit is refused whole.
//
// The package has no dependencies beyond the standard library, so service,
// bot, miniprogram and web can all use it.
package textesc

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis ends a cut text.
const Ellipsis = "…"

// markdown maps the characters WeCom app and group-robot markdown reads as
// markup (bold, links, quotes, headings, inline code, font tags, entities)
// to full-width look-alikes, which read the same to a Chinese reader and
// are never markup. WeCom has no italics or tables, so _ and | stay (SKUs
// shown in a reply are typed back into commands).
var markdown = strings.NewReplacer(
	"*", "＊", "`", "｀", "#", "＃", "[", "［", "]", "］",
	"<", "＜", ">", "＞", "&", "＆", "://", "：//",
)

// text maps what a WeCom text message reads as markup: it renders
// <a href> links. In both formats "://" gets a full-width colon, so a URL
// someone typed into a name is not turned into a link by the client.
var text = strings.NewReplacer("<", "＜", ">", "＞", "&", "＆", "://", "：//")

// oneLine turns every line break, tab and other control character into a
// space (so a typed newline cannot start a forged line of a push), drops
// invalid UTF-8 and collapses the result's runs of spaces.
func oneLine(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' ||
			unicode.Is(unicode.Cf, r) { // zero-width and bidi marks hide or reorder what follows
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}

// Cut returns s cut to at most max characters (runes), the last one an
// ellipsis when anything was cut. max <= 0 means no limit.
func Cut(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return Ellipsis
	}
	r := []rune(s)
	return string(r[:max-1]) + Ellipsis
}

// cutWhole is Cut for chat lines (Markdown, Text): it never cuts a code in
// the middle.
func cutWhole(s string, max int) string {
	if max <= 1 || utf8.RuneCountInString(s) <= max {
		return Cut(s, max)
	}
	r := []rune(s)
	end := max - 1
	// Never cut a code in the middle (SO20261208-000001, TK…, a SKU): a
	// half number reads as another one. Cut before it instead, unless it
	// is all there is.
	if codeRune(r[end-1]) && codeRune(r[end]) {
		start := end
		for start > 0 && codeRune(r[start-1]) {
			start--
		}
		if start > 0 {
			end = start
		}
	}
	for end > 1 && r[end-1] == ' ' {
		end--
	}
	return string(r[:end]) + Ellipsis
}

// codeRune is a character of an order, ticket or tracking number or a SKU.
func codeRune(r rune) bool {
	return r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
}

// Markdown makes s one line of plain words inside WeCom markdown (app
// message or group robot), at most max characters.
func Markdown(s string, max int) string {
	return markdown.Replace(cutWhole(oneLine(s), max))
}

// Text makes s one line of plain words inside a WeCom text message, at
// most max characters.
func Text(s string, max int) string {
	return text.Replace(cutWhole(oneLine(s), max))
}

// Card makes s a template-card field value: WeCom shows card fields as
// plain text, so only line breaks and the length matter.
func Card(s string, max int) string {
	return Cut(oneLine(s), max)
}

// Subscribe makes s a WeChat subscribe-message data value: one line, at
// most max characters (thing fields allow 20; WeChat refuses longer with
// errcode 47003).
func Subscribe(s string, max int) string {
	return Cut(oneLine(s), max)
}

// HTML makes s text inside an HTML element or a quoted attribute, at most
// max characters. html/template escapes by itself; this is for the rare
// fragment built by hand.
func HTML(s string, max int) string {
	return html.EscapeString(Cut(oneLine(s), max))
}
