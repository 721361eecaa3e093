package bot

import (
	"regexp"
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
	cmdDispatch     = "dispatch"
	cmdProblem      = "problem"
	cmdAttach       = "attach"
	cmdTickets      = "tickets"
	cmdAck          = "ack"
	cmdResolve      = "resolve"
	cmdQuickOrder   = "order_new"
	cmdConfirm      = "confirm"
	cmdFixLine      = "fix"
	cmdDiscard      = "discard"
	cmdReview       = "review"
	cmdLink         = "link"
	// Practice mode (练习).
	cmdPractice         = "practice"
	cmdPracticeEnd      = "practice_end"
	cmdPracticeProgress = "practice_progress"
	cmdPracticeRestart  = "practice_restart"
	cmdPracticeDelete   = "practice_delete"
)

// aliases maps what people type to commands: Chinese first, then English.
// Longer names are tried first (调拨完成 before 调拨; 练习进度 before
// 练习, practice restart before practice): a name is matched as a prefix.
var aliases = []struct {
	name string
	cmd  string
}{
	{"练习进度", cmdPracticeProgress}, {"退出练习", cmdPracticeEnd}, {"结束练习", cmdPracticeEnd},
	{"重新练习", cmdPracticeRestart}, {"删除练习", cmdPracticeDelete}, {"练习", cmdPractice},
	{"practice progress", cmdPracticeProgress}, {"practice end", cmdPracticeEnd},
	{"practice restart", cmdPracticeRestart}, {"practice delete", cmdPracticeDelete}, {"practice", cmdPractice},
	{"调拨完成", cmdTransferDone}, {"调拨到货", cmdTransferDone}, {"调拨发出", cmdDispatch}, {"发出", cmdDispatch},
	{"帮助", cmdHelp}, {"菜单", cmdHelp}, {"库存", cmdStock}, {"订单", cmdOrder}, {"查单", cmdOrder},
	{"待办", cmdTodo}, {"推进", cmdAdvance}, {"发货", cmdShip}, {"入库", cmdReceive}, {"盘点", cmdCount},
	{"调拨", cmdTransfers}, {"异常", cmdProblem}, {"附件", cmdAttach},
	{"工单", cmdTickets}, {"收到", cmdAck}, {"接单", cmdAck}, {"处理", cmdResolve},
	{"下单", cmdQuickOrder}, {"拍单", cmdQuickOrder}, {"确认", cmdConfirm}, {"取消", cmdDiscard}, {"复核", cmdReview}, {"关联", cmdLink}, {"改", cmdFixLine},
	{"order new", cmdQuickOrder}, {"confirm", cmdConfirm}, {"fix", cmdFixLine}, {"cancel", cmdDiscard}, {"review", cmdReview}, {"link", cmdLink},
	{"transfer done", cmdTransferDone}, {"transfer-done", cmdTransferDone}, {"done", cmdTransferDone},
	{"help", cmdHelp}, {"?", cmdHelp}, {"stock", cmdStock}, {"order", cmdOrder}, {"todo", cmdTodo},
	{"advance", cmdAdvance}, {"ship", cmdShip}, {"receive", cmdReceive}, {"count", cmdCount},
	{"transfers", cmdTransfers}, {"transfer", cmdTransfers}, {"dispatch", cmdDispatch}, {"problem", cmdProblem}, {"attach", cmdAttach},
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
	in := []rune(s)
	for i, r := range in {
		// A colon between digits is a clock time (18:00, 18：00), not a
		// separator.
		if (r == ':' || r == '：') && i > 0 && i+1 < len(in) && isDigit(in[i-1]) && isDigit(in[i+1]) {
			b.WriteRune(':')
			continue
		}
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

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

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

// Closest names the command a misunderstood line most likely meant, or ""
// when nothing fits. By meaning first: a command's name anywhere in the
// line (查库存 螺丝 → 库存), then phrasings people use for it (还有多少 →
// 库存); by spelling last, and only for a slip of the keyboard: an English
// name one or two letters off, or a Chinese one that starts like the word
// (库纯 → 库存; 下单 is not 菜单). It names the command as 帮助 lists it.
func Closest(text string) string {
	line := strings.ToLower(normalize(text))
	words := strings.Fields(line)
	if len(words) == 0 {
		return ""
	}
	// The longest command name inside the line.
	best := ""
	for _, a := range aliases {
		if a.name[0] >= utf8.RuneSelf && strings.Contains(line, a.name) && len(a.name) > len(best) {
			best = a.name
		}
	}
	if best != "" {
		return zhName(best)
	}
	for _, p := range phrasings {
		if strings.Contains(line, p.phrase) {
			return p.zh
		}
	}
	w := []rune(words[0])
	bestD := 1 << 30
	for _, a := range aliases {
		if a.name == "?" || a.name == "done" {
			continue
		}
		n := []rune(a.name)
		cjk := n[0] >= utf8.RuneSelf
		// Compare with the start of the word as long as the name, so that
		// "库纯M8" is close to 库存.
		cut := w
		if cjk {
			if len(cut) > len(n) {
				cut = cut[:len(n)]
			}
			// Two-character Chinese names one character apart share
			// nothing of meaning unless they start alike.
			if len(cut) == 0 || cut[0] != n[0] {
				continue
			}
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
	if best == "" || bestD > limit {
		return ""
	}
	return zhName(best)
}

// zhName is the name 帮助 lists a command by, for an alias of it.
func zhName(alias string) string {
	for _, a := range aliases {
		if a.name == alias {
			for _, s := range specs {
				if s.cmd == a.cmd {
					return s.zh
				}
			}
		}
	}
	return alias
}

// phrasings are what people say for a command without naming it.
var phrasings = []struct{ phrase, zh string }{
	{"还有多少", "库存"}, {"有货", "库存"}, {"有没有货", "库存"}, {"剩多少", "库存"}, {"存货", "库存"},
	{"到哪了", "订单"}, {"进度", "订单"}, {"查询单", "订单"},
	{"我的任务", "待办"}, {"任务", "待办"}, {"待处理", "待办"}, {"该做", "待办"},
	{"寄出", "发货"}, {"发快递", "发货"}, {"出库", "发货"},
	{"到货入", "入库"}, {"进货", "入库"}, {"收货入", "入库"},
	{"点数", "盘点"}, {"实盘", "盘点"},
	{"少发", "异常"}, {"破损", "异常"}, {"错发", "异常"}, {"问题", "异常"}, {"投诉", "异常"},
	{"怎么用", "帮助"}, {"命令", "帮助"}, {"不会用", "帮助"},
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
// A date-and-time value is typed with a space (交期=2026-11-30 18:00), so
// a clock time right after a field's value belongs to it.
func fields(words []string) (map[string]string, []string) {
	out := map[string]string{}
	var rest []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			rest = append(rest, w)
			continue
		}
		if alias, ok := fieldAliases[k]; ok {
			k = alias
		}
		if i+1 < len(words) && (clockTime.MatchString(words[i+1]) || spokenClock.MatchString(words[i+1])) {
			v += " " + words[i+1]
			i++
		}
		out[strings.ToLower(k)] = v
	}
	return out, rest
}

var clockTime = regexp.MustCompile(`^\d{1,2}:\d{2}$`)

// fieldAliases are the Chinese names of stage fields: every name the bot
// itself shows (fieldZh, the stage prompts) is accepted here, and a test
// holds the two together.
var fieldAliases = map[string]string{
	"质检员": "qc_inspector", "质检": "qc_inspector", "检验员": "qc_inspector",
	"承诺交期": "promised_at", "交期": "promised_at", "承诺": "promised_at", "交货期": "promised_at", "交货时间": "promised_at",
	"快递": "carrier", "快递公司": "carrier", "物流": "carrier", "物流公司": "carrier", "承运商": "carrier",
	"运单号": "tracking_no", "单号": "tracking_no", "快递单号": "tracking_no",
	"运单照片": "waybill_photo",
}

// textAfter returns what the person typed after word (a ticket or order
// number) in the raw line, exactly as written: a note keeps its full-width
// commas and stops, which normalize would turn into spaces. Only the
// separators between word and the note are dropped.
func textAfter(raw, word string) string {
	rs := []rune(raw)
	folded := make([]rune, len(rs))
	for i, r := range rs {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		folded[i] = unicode.ToUpper(r)
	}
	w := []rune(strings.ToUpper(word))
	at := -1
	for i := 0; i+len(w) <= len(folded); i++ {
		if string(folded[i:i+len(w)]) == string(w) {
			at = i + len(w)
			break
		}
	}
	if at < 0 {
		return ""
	}
	return strings.TrimLeftFunc(string(rs[at:]), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("，、；：,;:", r)
	})
}
