package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Command names, canonical.
const (
	cmdHelp         = "help"
	cmdStock        = "stock"
	cmdOrder        = "order"
	cmdTodo         = "todo"
	cmdAdvance      = "advance"
	cmdShip         = "ship"
	cmdReceive      = "receive"
	cmdCount        = "count"
	cmdTransfers    = "transfers"
	cmdTransferDone = "transfer_done"
	cmdProblem      = "problem"
	cmdAttach       = "attach"
	cmdTickets      = "tickets"
	cmdAck          = "ack"
	cmdResolve      = "resolve"
	cmdQuickOrder   = "order_new"
	cmdConfirm      = "confirm"
	cmdDiscard      = "discard"
	cmdReview       = "review"
)

// aliases maps what people type to commands: Chinese first, then English.
// Longer Chinese names are tried first (调拨完成 before 调拨).
var aliases = []struct {
	name string
	cmd  string
}{
	{"调拨完成", cmdTransferDone}, {"调拨到货", cmdTransferDone},
	{"帮助", cmdHelp}, {"菜单", cmdHelp}, {"库存", cmdStock}, {"订单", cmdOrder}, {"查单", cmdOrder},
	{"待办", cmdTodo}, {"推进", cmdAdvance}, {"发货", cmdShip}, {"入库", cmdReceive}, {"盘点", cmdCount},
	{"调拨", cmdTransfers}, {"异常", cmdProblem}, {"附件", cmdAttach},
	{"工单", cmdTickets}, {"收到", cmdAck}, {"接单", cmdAck}, {"处理", cmdResolve},
	{"下单", cmdQuickOrder}, {"拍单", cmdQuickOrder}, {"确认", cmdConfirm}, {"取消", cmdDiscard}, {"复核", cmdReview},
	{"order new", cmdQuickOrder}, {"confirm", cmdConfirm}, {"cancel", cmdDiscard}, {"review", cmdReview},
	{"transfer done", cmdTransferDone}, {"transfer-done", cmdTransferDone}, {"done", cmdTransferDone},
	{"help", cmdHelp}, {"?", cmdHelp}, {"stock", cmdStock}, {"order", cmdOrder}, {"todo", cmdTodo},
	{"advance", cmdAdvance}, {"ship", cmdShip}, {"receive", cmdReceive}, {"count", cmdCount},
	{"transfers", cmdTransfers}, {"transfer", cmdTransfers}, {"problem", cmdProblem}, {"attach", cmdAttach},
	{"tickets", cmdTickets}, {"ack", cmdAck}, {"resolve", cmdResolve},
}

// Command is a parsed chat line.
type Command struct {
	Name string   // canonical command, "" when not understood
	Args []string // the words after the command
	Rest string   // everything after the command, for free text (异常 descriptions)
}

// normalize makes a line typed with gloves on, on a Chinese keyboard,
// readable: full-width letters, digits and punctuation become ASCII, the
// ideographic space and Chinese separators become spaces, runs of spaces
// collapse.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			r = ' '
		}
		switch r {
		case '，', '、', '；', '：', '。', ',', ';', ':', '\u00a0':
			r = ' '
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Parse reads a chat line into a command. Chinese names need no space
// after them (库存BOLT-M8-30); English ones are case-insensitive words.
func Parse(text string) Command {
	line := normalize(text)
	lower := strings.ToLower(line)
	for _, a := range aliases {
		// EqualFold on line itself: lowering may change byte lengths (K).
		if !strings.HasPrefix(lower, a.name) || len(line) < len(a.name) || !strings.EqualFold(line[:len(a.name)], a.name) {
			continue
		}
		rest := line[len(a.name):]
		ascii := a.name[0] < utf8.RuneSelf
		if ascii && rest != "" && rest[0] != ' ' {
			continue // "stockx" is not "stock x"
		}
		rest = strings.TrimSpace(rest)
		return Command{Name: a.cmd, Args: strings.Fields(rest), Rest: rest}
	}
	return Command{Args: strings.Fields(line), Rest: line}
}

// Closest names the command a misunderstood line most likely meant, by
// edit distance on its first word, or "" when nothing is close.
func Closest(text string) string {
	words := strings.Fields(strings.ToLower(normalize(text)))
	if len(words) == 0 {
		return ""
	}
	w := []rune(words[0])
	best, bestD := "", 1<<30
	for _, a := range aliases {
		if a.name == "?" || a.name == "done" {
			continue
		}
		n := []rune(a.name)
		// Compare with the start of the word as long as the name, so that
		// "库纯M8" is close to 库存.
		cut := w
		if len(cut) > len(n) && n[0] >= utf8.RuneSelf {
			cut = cut[:len(n)]
		}
		d := distance(cut, n)
		if d < bestD {
			best, bestD = a.name, d
		}
	}
	limit := 1
	if len([]rune(best)) >= 5 {
		limit = 2
	}
	if bestD > limit {
		return ""
	}
	return best
}

func distance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// fields reads "name=value" words; names may be Chinese aliases.
func fields(words []string) (map[string]string, []string) {
	out := map[string]string{}
	var rest []string
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			rest = append(rest, w)
			continue
		}
		if alias, ok := fieldAliases[k]; ok {
			k = alias
		}
		out[strings.ToLower(k)] = v
	}
	return out, rest
}

var fieldAliases = map[string]string{
	"质检员": "qc_inspector", "质检": "qc_inspector", "交期": "promised_at", "承诺": "promised_at",
	"快递": "carrier", "快递公司": "carrier", "运单号": "tracking_no", "单号": "tracking_no",
}
