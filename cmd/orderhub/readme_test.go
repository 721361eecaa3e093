package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"orderhub/internal/served"
	"orderhub/internal/testtool"
	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestMain lets this test binary stand in for the orderhub binary: the
// README tours run `./orderhub chat …`, and a wrapper script execs this
// binary with orderhubAsMain set, so the tours run the code under test
// without a separate go build.
func TestMain(m *testing.M) {
	if os.Getenv(orderhubAsMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const orderhubAsMain = "ORDERHUB_TEST_RUN_AS_MAIN"

// tourMarker precedes each README code block the tour test runs.
var tourMarker = regexp.MustCompile(`^<!-- tour: ([a-z-]+) -->$`)

// tourBlock is one marked code block of README.md.
type tourBlock struct {
	name string
	line int // README line of the first command
	cmds []tourCmd
}

// tourCmd is one shell command of a tour and what the README says it
// answers: "#   → 409 …" right under a command names the HTTP status it
// gets; without one every request it makes must succeed (2xx).
type tourCmd struct {
	line   int
	text   string
	expect int
}

var expectLine = regexp.MustCompile(`^#\s*→\s*(\d{3})\b`)

// heredocStart finds a here-document (<<'YAML' or <<YAML) and its end word.
var heredocStart = regexp.MustCompile(`<<-?'?([A-Za-z_]+)'?`)

// readTours reads the marked blocks of the README at path.
func readTours(t *testing.T, path string) []tourBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		tours   []tourBlock
		cur     *tourBlock
		pending string // a name seen, its block not yet opened
		cont    bool   // the previous line ended in a backslash
		heredoc string // inside a here-document: the word that ends it
		n       int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && pending == "":
			if m := tourMarker.FindStringSubmatch(trimmed); m != nil {
				pending = m[1]
			}
			continue
		case cur == nil:
			if strings.HasPrefix(trimmed, "```") {
				tours = append(tours, tourBlock{name: pending})
				cur = &tours[len(tours)-1]
				pending = ""
			} else if trimmed != "" {
				t.Fatalf("README.md:%d: a tour marker must be followed by its code block", n)
			}
			continue
		case trimmed == "```":
			cur, cont = nil, false
			continue
		}
		if heredoc != "" {
			c := &cur.cmds[len(cur.cmds)-1]
			c.text += "\n" + line
			if trimmed == heredoc {
				heredoc = ""
			}
			continue
		}
		if cont {
			c := &cur.cmds[len(cur.cmds)-1]
			c.text += "\n" + line
			cont = strings.HasSuffix(line, `\`)
			continue
		}
		if m := expectLine.FindStringSubmatch(trimmed); m != nil && len(cur.cmds) > 0 {
			cur.cmds[len(cur.cmds)-1].expect, _ = strconv.Atoi(m[1])
			continue
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.line == 0 {
			cur.line = n
		}
		cur.cmds = append(cur.cmds, tourCmd{line: n, text: line})
		cont = strings.HasSuffix(line, `\`)
		if m := heredocStart.FindStringSubmatch(line); m != nil {
			heredoc = m[1] // the lines up to its end word belong to this command
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil || pending != "" {
		t.Fatal("README.md: a tour block is not closed")
	}
	return tours
}

// TestReadmeTours runs the README's marked tours word for word, in one
// shell, against `orderhub serve` on a fresh data dir with the demo, as a
// newcomer would after go build: so the tours work on any day and cannot
// drift from the code. The one change made to them: localhost:8080 is the
// port this test got.
func TestReadmeTours(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "grep", "base64"} {
		testtool.Program(t, tool)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The first screen tells a newcomer the two commands that matter.
	first := strings.Join(strings.SplitN(string(readme), "\n", 25)[:24], "\n")
	for _, want := range []string{"go run ./cmd/orderhub", "go test ./...", "bash .ci/run"} {
		if !strings.Contains(first, want) {
			t.Errorf("README's first screen lacks %q", want)
		}
	}
	tours := readTours(t, filepath.Join("..", "..", "README.md"))
	want := []string{"staff", "chat", "escalation", "buyer"}
	var names []string
	for _, b := range tours {
		names = append(names, b.name)
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("README tours = %v, want %v", names, want)
	}

	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	base, _, stop := startServe(t, dataDir)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	if got := served.Address(dataDir, ""); got != base {
		t.Fatalf("data/address = %q, want %q: chat would not find the server", got, base)
	}
	// ./orderhub is this test binary, run as main.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", orderhubAsMain, self)
	if err := os.WriteFile(filepath.Join(work, "orderhub"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	// The escalation tour starts a second server on :8081 with its files
	// in /tmp: here on a port of its own and in this test's directory, so
	// parallel runs and a developer's own servers do not meet.
	second := freeAddr(t)
	tmp := filepath.Join(work, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	localize := strings.NewReplacer("localhost:8080", strings.TrimPrefix(base, "http://"),
		"localhost:8081", second, "ORDERHUB_HTTP_ADDR=:8081", "ORDERHUB_HTTP_ADDR="+second, "/tmp/", tmp+"/")

	// One script: each command between markers, its HTTP statuses
	// reported by a curl wrapper on stderr.
	var script strings.Builder
	script.WriteString("curl() { command curl -w '%{stderr}@@HTTP %{http_code}\\n' \"$@\"; }\n")
	var all []tourCmd
	for _, b := range tours {
		for _, c := range b.cmds {
			i := len(all)
			all = append(all, c)
			text := localize.Replace(c.text)
			fmt.Fprintf(&script, "echo '@@CMD %d' >&2; echo '@@CMD %d'\n%s\necho \"@@RC %d $?\" >&2\n", i, i, text, i)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "-c", script.String())
	sh.Dir = work
	// Its own process group: a server a tour started in the background
	// and did not stop (a failed tour) is stopped with the shell.
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	defer func() {
		if sh.Process != nil {
			_ = syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
		}
	}()
	// The newcomer's shell: no ORDERHUB_* settings (the tests' own
	// database settings must not leak into the served demo's chat).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORDERHUB_") {
			sh.Env = append(sh.Env, kv)
		}
	}
	var stdout, stderr syncBuffer
	sh.Stdout, sh.Stderr = &stdout, &stderr
	if err := sh.Run(); err != nil {
		t.Fatalf("tour shell: %v\nstderr:\n%s", err, stderr.String())
	}

	if testing.Verbose() {
		t.Logf("tour output:\n%s", stdout.String())
	}
	statuses, rcs := map[int][]int{}, map[int]int{}
	cmd := -1
	for _, l := range strings.Split(stderr.String(), "\n") {
		switch {
		case strings.Contains(l, "@@CMD "):
			cmd, _ = strconv.Atoi(strings.TrimSpace(l[strings.Index(l, "@@CMD ")+6:]))
		case strings.Contains(l, "@@HTTP "):
			code, _ := strconv.Atoi(strings.TrimSpace(l[strings.Index(l, "@@HTTP ")+7:]))
			statuses[cmd] = append(statuses[cmd], code)
		case strings.Contains(l, "@@RC "):
			var i, rc int
			fmt.Sscanf(l[strings.Index(l, "@@RC "):], "@@RC %d %d", &i, &rc)
			rcs[i] = rc
		}
	}
	outputs := map[int]string{}
	cmd = -1
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(l, "@@CMD ") {
			cmd, _ = strconv.Atoi(l[6:])
			continue
		}
		if cmd >= 0 {
			outputs[cmd] += l + "\n"
		}
	}
	for i, c := range all {
		where := fmt.Sprintf("README.md:%d `%s`", c.line, strings.TrimSpace(strings.SplitN(c.text, "\n", 2)[0]))
		if rc, ok := rcs[i]; !ok || rc != 0 {
			t.Errorf("%s: exit status %d (ran: %v)\n%s", where, rc, ok, outputs[i])
		}
		// A polling loop (until …; do sleep 1; done) expects refusals
		// until the thing it waits for is there: only its exit counts.
		polling := strings.HasPrefix(strings.TrimSpace(c.text), "until ")
		for _, st := range statuses[i] {
			if polling {
				continue
			}
			if c.expect != 0 && st != c.expect {
				t.Errorf("%s: answered %d, the README says %d\n%s", where, st, c.expect, outputs[i])
			}
			if c.expect == 0 && (st < 200 || st > 299) {
				t.Errorf("%s: answered %d\n%s", where, st, outputs[i])
			}
		}
		if c.expect != 0 && len(statuses[i]) == 0 {
			t.Errorf("%s: the README says it answers %d, but it made no request", where, c.expect)
		}
		if strings.Contains(c.text, "./orderhub chat") && !strings.Contains(c.text, "$(") {
			out := strings.TrimSpace(outputs[i])
			if out == "" {
				t.Errorf("%s: no reply", where)
			}
			for _, bad := range []string{"没看懂", "没有找到", "操作没有成功", "不能使用", "还缺", "只能推进"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s: the reply is a refusal (%s):\n%s", where, bad, out)
				}
			}
		}
	}
	if t.Failed() {
		t.Logf("tour stderr:\n%s", stderr.String())
		return
	}
	checkTourAftermath(t, dataDir, base)
	checkEscalationTour(t, filepath.Join(tmp, "ohfast"))
}

// checkEscalationTour: the escalation tour's ticket was acknowledged by
// 吴华 through chat (with the number the tour read from the answer), and
// its server was stopped by the tour's own kill.
func checkEscalationTour(t *testing.T, dataDir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dataDir, "address")); err == nil {
		t.Error("the escalation tour's server is still running (its address file is there): kill $OH did not stop it")
	}
	db, err := model.Open(context.Background(), model.Options{SQLitePath: filepath.Join(dataDir, "orderhub.db"), Log: modeltest.Log()})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close(db)
	var tks []model.Ticket
	if err := db.Order("id").Find(&tks).Error; err != nil {
		t.Fatal(err)
	}
	acked := 0
	for _, tk := range tks {
		if tk.State == model.TicketAcknowledged && tk.AckAt != nil {
			acked++
		}
	}
	if len(tks) == 0 || acked != 1 {
		t.Errorf("escalation tour: %d tickets, %d acknowledged, want the stalled order's acknowledged", len(tks), acked)
	}
}

// freeAddr returns a 127.0.0.1 address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// checkTourAftermath checks what the tours should and should not have
// caused: no delay notice to the buyer (the promise the tour gives is far
// enough for the default SLAs), and the demo's own orders counted as demo,
// not as phone orders.
func checkTourAftermath(t *testing.T, dataDir, base string) {
	t.Helper()
	db, err := model.Open(context.Background(), model.Options{SQLitePath: filepath.Join(dataDir, "orderhub.db"), Log: modeltest.Log()})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close(db)
	var delays int64
	if err := db.Model(&model.Subscription{}).Where("event = ? AND state <> ?", "delay", model.SubscriptionPending).Count(&delays).Error; err != nil {
		t.Fatal(err)
	}
	if delays != 0 {
		t.Errorf("the tour sent %d delay notices to the buyer", delays)
	}
	var channels []struct {
		Channel string
		N       int64
	}
	if err := db.Model(&model.Order{}).Select("channel, COUNT(*) AS n").Group("channel").Scan(&channels).Error; err != nil {
		t.Fatal(err)
	}
	metrics := httpGet(t, base+"/metrics")
	for _, c := range channels {
		line := fmt.Sprintf(`orderhub_orders_created_total{channel=%q} %d`, c.Channel, c.N)
		if !strings.Contains(metrics, line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	// The buyer tour's link request: approved in chat, and li now orders
	// for the company it named.
	var li struct {
		State, Code string
	}
	if err := db.Table("link_requests AS r").Joins("JOIN buyers AS b ON b.id = r.buyer_id").Joins("JOIN customers AS c ON c.id = b.customer_id").
		Where("b.open_id = ?", "dev:li").Select("r.state, c.code").Take(&li).Error; err != nil || li.State != model.LinkRequestApproved || li.Code != "C001" {
		t.Errorf("the buyer tour's link request = %+v (%v), want approved and li buying for C001", li, err)
	}
	if !strings.Contains(metrics, `orderhub_orders_created_total{channel="demo"} 4`) {
		t.Errorf("the 4 seeded orders are not counted as demo:\n%s", grepLines(metrics, "orderhub_orders_created_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
