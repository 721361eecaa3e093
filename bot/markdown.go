package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"orderhub/internal/textesc"
)

// MarkdownLimit is WeCom's limit on an app markdown message's content
// (doc 90236): 4096 bytes of UTF-8. Longer content is refused (45002).
const MarkdownLimit = 4096

// The subset of WeCom app markdown that a phone renders: bold, three font
// colours (info, warning, comment; replies use the last two), quotes and
// links. No tables, no list syntax, no headings.
func bold(s string) string    { return "**" + s + "**" }
func warning(s string) string { return `<font color="warning">` + s + `</font>` }
func comment(s string) string { return `<font color="comment">` + s + `</font>` }

// esc keeps text that people typed (a description, a name, a note) from
// being read as markup or from breaking a reply's line structure; it is
// textesc.Markdown, uncut (DESIGN.md invariant 9: one escaping function
// per format).
func esc(s string) string { return textesc.Markdown(s, 0) }

// doc is a markdown reply that stays within MarkdownLimit: plain lines
// always show; a list's items show while they fit (and up to its cap),
// and a list cut short ends with how many were left out and where to see
// them.
type doc struct{ parts []docPart }

type docPart struct {
	line  string
	list  bool
	items []string
	max   int    // at most this many items; 0: as many as fit
	more  string // format of the cut line, given how many were left out
}

func (d *doc) line(format string, args ...any) {
	d.parts = append(d.parts, docPart{line: strings.TrimRight(fmt.Sprintf(format, args...), " ")})
}

// list adds items (each may span lines); more is a format with one %d,
// e.g. "…另有 %d 条，先处理上面的再发「工单」查看".
func (d *doc) list(items []string, max int, more string) {
	d.parts = append(d.parts, docPart{list: true, items: items, max: max, more: more})
}

func (p docPart) cut(n int) string { return comment(fmt.Sprintf(p.more, n)) }

func (d *doc) String() string {
	// Reserve room for every fixed line and, for every list, its cut line
	// at the largest count it could say; items share what is left, in
	// order.
	room := MarkdownLimit
	for _, p := range d.parts {
		if p.list {
			if len(p.items) > 0 {
				room -= len(p.cut(len(p.items))) + 1
			}
			continue
		}
		room -= len(p.line) + 1
	}
	var lines []string
	for _, p := range d.parts {
		if !p.list {
			lines = append(lines, p.line)
			continue
		}
		shown := 0
		for _, it := range p.items {
			if (p.max > 0 && shown == p.max) || len(it)+1 > room {
				break
			}
			lines = append(lines, it)
			room -= len(it) + 1
			shown++
		}
		if shown < len(p.items) {
			lines = append(lines, p.cut(len(p.items)-shown))
		}
	}
	return clipBytes(strings.TrimRight(strings.Join(lines, "\n"), "\n"), MarkdownLimit)
}

// clipBytes cuts s to at most n bytes at a rune boundary: the last guard,
// for fixed lines that alone would not fit (they are short by design).
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

var (
	mdFont  = regexp.MustCompile(`</?font[^>]*>`)
	mdLink  = regexp.MustCompile(`\[([^\]]*)\]\(([^)]*)\)`)
	mdQuote = regexp.MustCompile(`(?m)^> ?`)
)

// Plain renders WeCom markdown as a terminal reads it: bold marks and
// font tags dropped (colour only ever repeats what the words say: 超时,
// 可用 0), quotes indented, links as "text (url)".
func Plain(md string) string {
	s := mdFont.ReplaceAllString(md, "")
	s = strings.ReplaceAll(s, "**", "")
	s = mdLink.ReplaceAllString(s, "$1 ($2)")
	return mdQuote.ReplaceAllString(s, "  ")
}

// CardText is a template_card as a person reads it on a phone, for a
// terminal (`orderhub chat`): its source, title and description, each row
// as key：value, and its buttons with what to type instead of tapping.
// body is the card's JSON (the template_card object); what is not a card
// comes back as it is.
func CardText(body string) string {
	var c struct {
		Source    struct{ Desc string } `json:"source"`
		MainTitle struct {
			Title string `json:"title"`
			Desc  string `json:"desc"`
		} `json:"main_title"`
		SubTitle string `json:"sub_title_text"`
		Rows     []struct {
			Key   string `json:"keyname"`
			Value string `json:"value"`
		} `json:"horizontal_content_list"`
		Buttons []struct {
			Text string `json:"text"`
			Key  string `json:"key"`
		} `json:"button_list"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil || (c.MainTitle.Title == "" && len(c.Rows) == 0) {
		return body
	}
	var sb strings.Builder
	if c.Source.Desc != "" {
		fmt.Fprintf(&sb, "［%s］\n", c.Source.Desc)
	}
	sb.WriteString(c.MainTitle.Title)
	if c.MainTitle.Desc != "" {
		sb.WriteString("\n" + c.MainTitle.Desc)
	}
	if c.SubTitle != "" {
		sb.WriteString("\n" + c.SubTitle)
	}
	for _, r := range c.Rows {
		fmt.Fprintf(&sb, "\n  %s：%s", r.Key, r.Value)
	}
	if len(c.Buttons) > 0 {
		var bs, say []string
		for _, b := range c.Buttons {
			bs = append(bs, "［"+b.Text+"］")
			// The buttons' keys are "ack:<ticket>" and "resolve:<ticket>":
			// the chat commands 收到 and 处理 do the same.
			if verb, no, ok := strings.Cut(b.Key, ":"); ok {
				switch verb {
				case "ack":
					say = append(say, "收到 "+no)
				case "resolve":
					say = append(say, "处理 "+no+" <说明>")
				}
			}
		}
		sb.WriteString("\n" + strings.Join(bs, " "))
		if len(say) > 0 {
			sb.WriteString("（或回复「" + strings.Join(say, "」/「") + "」）")
		}
	}
	return sb.String()
}
