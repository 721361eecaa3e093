package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"orderhub/service"
)

// TextLimit is WeCom's limit on an app text message's content (doc
// 90236): 2048 bytes of UTF-8. Longer content is refused (45002), and the
// row was marked failed: a held order with many problem lines never
// reached customer service.
const TextLimit = 2048

// fitList is the one way a message is kept within a limit: head, then the
// items joined by sep while they fit, then tail. Items left out become one
// last item, "…另有 N <unit>". An item, head or tail too long alone is cut
// on a character boundary. Every text and markdown message is fitted by
// it, through fitContent at the end of Render, if not before.
func fitList(limit int, head string, items []string, sep, tail, unit string) string {
	total := len(head) + len(tail)
	for i, it := range items {
		if i > 0 {
			total += len(sep)
		}
		total += len(it)
	}
	if total <= limit {
		return head + strings.Join(items, sep) + tail
	}
	more := func(n int) string { return fmt.Sprintf("…另有 %d %s", n, unit) }
	// Room for head, tail and the widest "…另有 N" line.
	room := limit - len(more(len(items))) - len(sep)
	head = clipRunes(head, room/2)
	tail = clipRunes(tail, (room-len(head))/2)
	room -= len(head) + len(tail)
	var kept []string
	for _, it := range items {
		need := len(it)
		if len(kept) > 0 {
			need += len(sep)
		}
		if need > room {
			if len(kept) == 0 && room > len(sep)+8 {
				// Not one whole item fits: show the start of the first.
				kept = append(kept, clipRunes(it, room-len(sep)))
				room = 0
			}
			break
		}
		kept = append(kept, it)
		room -= need
	}
	left := len(items) - len(kept)
	if len(kept) > 0 && kept[len(kept)-1] != items[len(kept)-1] {
		left++ // the first item, cut, still counts as not shown in full
	}
	if left > 0 {
		kept = append(kept, more(left))
	}
	return clipBytes(head+strings.Join(kept, sep)+tail, limit)
}

// clipRunes cuts s to at most n bytes on a character boundary, marking
// the cut with "…".
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len("…") {
		return ""
	}
	s = s[:n-len("…")]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// contentLimit is WeCom's limit for a message type with a content field;
// 0 for the others (cards have their own, kept where they are built).
func contentLimit(msgType string) int {
	switch msgType {
	case "text":
		return TextLimit
	case "markdown", MsgTypeRobot:
		return MarkdownLimit
	}
	return 0
}

// fitContent keeps a text or markdown message within WeCom's limit
// whatever built it: whole lines while they fit, then "…另有 N 行".
func fitContent(m service.Outgoing) (service.Outgoing, error) {
	limit := contentLimit(m.MsgType)
	if limit == 0 || len(m.Body) <= limit {
		return m, nil // JSON is never shorter than the content it holds
	}
	var body map[string]any
	if err := json.Unmarshal(m.Body, &body); err != nil {
		return m, &service.UndeliverableError{Reason: m.MsgType + ": " + err.Error()}
	}
	content, ok := body["content"].(string)
	if !ok || len(content) <= limit {
		return m, nil
	}
	body["content"] = fitList(limit, "", strings.Split(content, "\n"), "\n", "", "行")
	b, err := json.Marshal(body)
	if err != nil {
		return m, &service.UndeliverableError{Reason: m.MsgType + ": " + err.Error()}
	}
	m.Body = b
	return m, nil
}
