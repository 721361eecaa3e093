package app

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"orderhub/model"
)

// TestBoardShowsWordsAndLocalTimes: the board speaks as people do — the
// owner filter takes a person's name (not a userid), an allocation is
// 「占用中」 (not "active"), a promise given with a stage change shows as
// local time (not raw RFC 3339), and the export's 渠道 column holds words
// (后台, 演示), not keys (api, demo).
func TestBoardShowsWordsAndLocalTimes(t *testing.T) {
	apps, srvs := testApps(t, false, "", 1)
	a, base := apps[0], srvs[0].URL
	if _, err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	var c0 model.Customer
	var p0 model.Product
	if err := a.db.Order("id").First(&c0).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.db.Where("active = ?", true).Order("id").First(&p0).Error; err != nil {
		t.Fatal(err)
	}
	status, out := post(t, base+"/api/v1/orders", map[string]any{"customer": c0.Code, "lines": []any{map[string]any{"sku": p0.SKU, "qty": 1}}})
	if status != 201 {
		t.Fatalf("order = %d %v", status, out)
	}
	no := out["order"].(map[string]any)["no"].(string)
	promise := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	if status, out := post(t, base+"/api/v1/orders/"+no+"/advance", map[string]any{"to": "confirmed", "fields": map[string]any{"promised_at": promise.Format(time.RFC3339)}}); status != 200 {
		t.Fatalf("advance = %d %v", status, out)
	}

	c := boardClient(t)
	if resp, _ := postForm(t, c, base+"/dashboard/login", url.Values{"token": {testToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, page := get(t, c, base+"/dashboard/orders/"+no)
	if raw := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`).FindString(page); raw != "" {
		t.Errorf("the detail shows a raw time %s", raw)
	}
	if want := promise.In(a.cfg.Location()).Format("2006-01-02 15:04"); !strings.Contains(page, "<dt>承诺送达时间</dt><dd>"+want+"</dd>") {
		t.Errorf("the stage change does not show the promise %s in local time", want)
	}
	if !strings.Contains(page, "<td>占用中</td>") || strings.Contains(page, "<td>active</td>") {
		t.Errorf("allocation state not in words")
	}

	// The owner filter: a name is what a supervisor types.
	var owned model.Order
	if err := a.db.Where("owner_staff_id IS NOT NULL AND stage NOT IN ?", []string{"delivered", "cancelled"}).Order("id").First(&owned).Error; err != nil {
		t.Fatal(err)
	}
	var owner model.Staff
	if err := a.db.First(&owner, *owned.OwnerStaffID).Error; err != nil {
		t.Fatal(err)
	}
	resp, board := get(t, c, base+"/dashboard?owner="+url.QueryEscape(owner.Name))
	if resp.StatusCode != 200 || !strings.Contains(board, owned.No) {
		t.Errorf("board filtered by owner name %s = %d, lacks %s", owner.Name, resp.StatusCode, owned.No)
	}
	if strings.Contains(board, "负责人 userid") {
		t.Errorf("the owner filter still asks for a userid")
	}

	// The export names channels in words.
	today := time.Now().In(a.cfg.Location())
	f, code := download(t, base+"/api/v1/exports/orders?from="+today.AddDate(0, 0, -89).Format("2006-01-02")+"&to="+today.Format("2006-01-02"))
	if code != 200 {
		t.Fatalf("export = %d", code)
	}
	rows, err := f.GetRows("订单")
	if err != nil || len(rows) < 3 || rows[0][2] != "渠道" {
		t.Fatalf("export rows: %v %d", err, len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		seen[r[2]] = true
	}
	for _, key := range []string{"api", "demo", "miniprogram", "wecom", "slip"} {
		if seen[key] {
			t.Errorf("the export's 渠道 column holds the key %q", key)
		}
	}
	if !seen["后台"] {
		t.Errorf("the export's channels %v lack 后台", seen)
	}
}

// TestMoveInPageDownloads: an admin on the board's 导入与练习 page
// downloads each import template and the orders export with the board's
// session, without the admin token.
func TestMoveInPageDownloads(t *testing.T) {
	apps, srvs := testApps(t, false, "", 1)
	a, base := apps[0], srvs[0].URL
	if _, err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := boardClient(t)
	if resp, _ := postForm(t, c, base+"/dashboard/login", url.Values{"token": {testToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, page := get(t, c, base+"/dashboard/movein")
	for _, want := range []string{`href="/dashboard/movein/template/warehouses"`, `href="/dashboard/movein/template/stock"`, `action="/dashboard/movein/export"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	xlsx := func(path string) *excelize.File {
		t.Helper()
		resp, body := get(t, c, base+path)
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
			t.Fatalf("GET %s = %d %.80q", path, resp.StatusCode, body)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	rows, err := xlsx("/dashboard/movein/template/customers").GetRows("导入")
	if err != nil || len(rows) != 1 || rows[0][0] != "客户编码*" {
		t.Errorf("customers template = %v %v", rows, err)
	}
	today := time.Now().In(a.cfg.Location()).Format("2006-01-02")
	if rows, err := xlsx("/dashboard/movein/export?from=" + today + "&to=" + today).GetRows("订单"); err != nil || len(rows) == 0 || rows[0][0] != "订单号" {
		t.Errorf("export = %v %v", len(rows), err)
	}
	// Without a session the downloads go to the login, not to the data.
	if resp, _ := get(t, boardClient(t), base+"/dashboard/movein/template/customers"); resp.StatusCode == 200 {
		t.Errorf("a template without a session = 200")
	}
}
