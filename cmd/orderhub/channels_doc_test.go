package main

import (
	"context"
	"orderhub/internal/testtool"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docBlock returns the code block after the marker in docs/channels.md.
func docBlock(t *testing.T, doc, marker string) string {
	t.Helper()
	i := strings.Index(doc, "<!-- channels-example: "+marker+" -->")
	if i < 0 {
		t.Fatalf("docs/channels.md has no %s example", marker)
	}
	rest := doc[i:]
	start := strings.Index(rest, "```")
	rest = rest[start:]
	rest = rest[strings.Index(rest, "\n")+1:]
	return rest[:strings.Index(rest, "```")]
}

// TestChannelsDocExample runs the worked example of docs/channels.md word
// for word against `orderhub serve` with the demo and the channel the page
// configures: the signature computed in the shell is accepted, and each
// request answers the status written under it.
func TestChannelsDocExample(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "openssl", "grep", "sed", "cut"} {
		testtool.Program(t, tool)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "channels.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	yaml, shell := docBlock(t, doc, "config"), docBlock(t, doc, "shell")
	secret := regexp.MustCompile(`SECRET='([^']+)'`).FindStringSubmatch(shell)
	if secret == nil {
		t.Fatal("the shell example sets no SECRET")
	}
	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	cfgPath := filepath.Join(work, "orderhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	env := map[string]string{"ORDERHUB_DATA_DIR": dataDir, "ORDERHUB_HTTP_ADDR": "127.0.0.1:0", "ORDERHUB_LOG_LEVEL": "warn",
		"ORDERHUB_CONFIG": cfgPath, "ORDERHUB_CHANNEL_SHOP_SECRET": secret[1]}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, out, &syncBuffer{})
	}()
	defer func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	addr := regexp.MustCompile(`listening on (\S+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		select {
		case err := <-errc:
			t.Fatalf("serve exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
	}
	var want []int
	for _, m := range regexp.MustCompile(`(?m)^#\s*→\s*(\d{3})`).FindAllStringSubmatch(shell, -1) {
		n, _ := strconv.Atoi(m[1])
		want = append(want, n)
	}
	script := "curl() { command curl -w '%{stderr}@@HTTP %{http_code}\\n' \"$@\"; }\nset -e\n" + strings.ReplaceAll(shell, "localhost:8080", base)
	sh := exec.Command("bash", "-c", script)
	sh.Dir = work
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORDERHUB_") {
			sh.Env = append(sh.Env, kv)
		}
	}
	got, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("example shell: %v\n%s", err, got)
	}
	var codes []int
	for _, m := range regexp.MustCompile(`@@HTTP (\d{3})`).FindAllStringSubmatch(string(got), -1) {
		n, _ := strconv.Atoi(m[1])
		codes = append(codes, n)
	}
	if len(codes) != len(want) {
		t.Fatalf("statuses %v, the page says %v\n%s", codes, want, got)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Errorf("request %d answered %d, the page says %d", i+1, codes[i], want[i])
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("example output:\n%s", got)
	}
	if !strings.Contains(string(got), `"state":"placed"`) || !strings.Contains(string(got), `"channel":"shop"`) {
		t.Errorf("no placed order from the channel in:\n%s", got)
	}
}
