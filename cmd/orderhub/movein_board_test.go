package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"orderhub/model/modeltest"
)

// boardLogin logs a board client in with the admin token.
func boardLogin(t *testing.T, base string) *http.Client {
	t.Helper()
	c := boardClient(t)
	if resp, _ := postForm(t, c, base+"/dashboard/login", url.Values{"token": {testToken}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("board login: %d", resp.StatusCode)
	}
	return c
}

// The board's 导入与练习 page lists the imports done, with what each did
// or why nothing was written; it needs a board session.
func TestMoveInBoard(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		_, srv := testApp(t, mysql, "")
		co := newCompany()
		if status, out := importFile(t, srv.URL, "warehouses", "仓库.xlsx", xlsxOf(t, co.warehouses)); status != 200 {
			t.Fatalf("import: %d %v", status, out)
		}
		if status, _ := importFile(t, srv.URL, "products", "商品.csv", []byte("SKU,品名\n,没有SKU\n")); status != http.StatusUnprocessableEntity {
			t.Fatalf("bad import: %d", status)
		}
		if resp, _ := get(t, boardClient(t), srv.URL+"/dashboard/movein"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("movein without session: %d", resp.StatusCode)
		}
		resp, body := get(t, boardLogin(t, srv.URL), srv.URL+"/dashboard/movein")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("movein: %d %s", resp.StatusCode, body)
		}
		mustContain(t, "/dashboard/movein", body, "表格导入", "<td>仓库</td><td>完成：3 行，新建 3，更新 0，不变 0</td>", "<td>商品</td><td>有错，未导入：1 处问题</td>", "还没有人练习过")
		if strings.Index(body, "商品") > strings.Index(body, "<td>仓库</td>") {
			t.Error("imports are not newest first")
		}
	})
}
