package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// /readyz reads the schema: with its table dropped under a running
// instance (as with a dropped database), the instance is not ready.
func TestReadyzReadsTheSchema(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, dir)
	defer func() { _ = stop() }()
	if code, _ := getJSON(t, base+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz = %d before", code)
	}
	db, err := model.Open(context.Background(), model.Options{SQLitePath: filepath.Join(dir, "orderhub.db"), Log: modeltest.Log()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DROP TABLE schema_migrations").Error; err != nil {
		t.Fatal(err)
	}
	code, out := getJSON(t, base+"/readyz", "")
	if code != 503 {
		t.Fatalf("/readyz = %d %v with the schema gone, want 503", code, out)
	}
}

// TestAnonymousAnswersTellNothing: /readyz tells an anonymous caller only
// that the instance is not ready (the cause, which names the database and
// the driver, goes to the log and to the admin token); the board's login
// page shows only its own error texts, never words from the address; the
// export says how many days it covers at most, first and last included.
func TestAnonymousAnswersTellNothing(t *testing.T) {
	dir := t.TempDir()
	base, token, stop := startServe(t, dir)
	defer func() { _ = stop() }()

	body := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const planted = "令牌已泄露请拨打400-000-0000"
	code, page := body(base + "/dashboard/login?error=" + url.QueryEscape(planted))
	if code != http.StatusOK || strings.Contains(page, planted) || !strings.Contains(page, "登录失败，请重试") {
		t.Errorf("login page with a planted error: %d, shows it: %v", code, strings.Contains(page, planted))
	}
	if _, page := body(base + "/dashboard/login?error=role"); !strings.Contains(page, "角色不能查看看板") {
		t.Error("login page does not show the known error role")
	}

	for _, tc := range []struct {
		to   string
		want int
	}{{"2027-01-01", http.StatusOK}, {"2027-01-02", http.StatusUnprocessableEntity}} {
		code, out := getJSON(t, base+"/api/v1/exports/orders?from=2026-01-01&to="+tc.to, token)
		if code != tc.want || (tc.want != http.StatusOK && !strings.Contains(fmt.Sprint(out), "366 天")) {
			t.Errorf("export 2026-01-01..%s = %d %v, want %d", tc.to, code, out, tc.want)
		}
	}

	db, err := model.Open(context.Background(), model.Options{SQLitePath: filepath.Join(dir, "orderhub.db"), Log: modeltest.Log()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DROP TABLE schema_migrations").Error; err != nil {
		t.Fatal(err)
	}
	code, anon := body(base + "/readyz")
	if code != http.StatusServiceUnavailable || strings.Contains(anon, "schema") || strings.Contains(anon, "table") || strings.Contains(anon, "sqlite") {
		t.Errorf("anonymous /readyz = %d %s, want 503 with no cause", code, anon)
	}
	if code, out := getJSON(t, base+"/readyz", token); code != http.StatusServiceUnavailable || !strings.Contains(fmt.Sprint(out), "schema") {
		t.Errorf("/readyz with the admin token = %d %v, want the cause", code, out)
	}
}
