package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// company is the business moving in, as its spreadsheets describe it.
type company struct {
	warehouses, staff, products, customers, stock [][]string
}

// newCompany builds the spreadsheets of a company with 3 warehouses, 40
// staff (27 of them sales), 1,200 SKUs (some with channel aliases), 327
// customers and opening stock for every SKU in every warehouse.
func newCompany() company {
	var c company
	whs := []string{"SH", "SZ", "HZ"}
	c.warehouses = [][]string{{"仓库编码", "仓库名称", "地区", "优先级"},
		{"SH", "上海嘉定仓", "上海", "30"}, {"SZ", "苏州仓", "苏州", "20"}, {"HZ", "杭州仓", "杭州", "25"}}
	c.staff = [][]string{{"企业微信账号", "姓名", "角色", "所在仓库", "手机"}}
	add := func(id, name, roles, wh string) {
		c.staff = append(c.staff, []string{id, name, roles, wh, fmt.Sprintf("139%08d", len(c.staff))})
	}
	for i := 1; i <= 26; i++ { // with their lead, 27 sales staff
		add(fmt.Sprintf("sales%02d", i), fmt.Sprintf("销售%02d", i), "customer_service", whs[i%3])
	}
	for _, wh := range whs {
		add("keeper."+strings.ToLower(wh), wh+"仓管", "keeper", wh)
		add("picker."+strings.ToLower(wh), wh+"配货", "picker", wh)
		add("qc."+strings.ToLower(wh), wh+"质检", "qc", wh)
		add("dispatch."+strings.ToLower(wh), wh+"发货", "dispatcher", wh)
	}
	add("cs.lead", "客服主管", "cs_lead", "SH")
	c.staff = append(c.staff, []string{"boss", "总监", "director,supervisor", "", ""})
	for len(c.staff) < 41 {
		add(fmt.Sprintf("helper%d", len(c.staff)), "仓库帮手", "", "SH")
	}
	c.products = [][]string{{"SKU", "品名", "规格", "单位", "单价(元)", "状态", "渠道别名"}}
	for i := 1; i <= 1200; i++ {
		alias := ""
		if i%10 == 0 {
			alias = fmt.Sprintf("jd:JD-%06d；tmall:TM-%d", i, i)
		}
		c.products = append(c.products, []string{fmt.Sprintf("SKU-%04d", i), fmt.Sprintf("五金件%04d", i), fmt.Sprintf("M%d×%d", 4+i%12, 10+i%50),
			"盒", fmt.Sprintf("%d.%02d", 1+i%300, i%100), "在售", alias})
	}
	c.customers = [][]string{{"客户编码", "客户名称", "联系人", "电话", "地区", "就近仓库", "收货地址", "标签"}}
	for i := 1; i <= 327; i++ {
		wh := whs[i%3]
		c.customers = append(c.customers, []string{fmt.Sprintf("C%04d", i), fmt.Sprintf("客户公司%04d", i), "联系人", fmt.Sprintf("138%08d", i),
			map[string]string{"SH": "上海", "SZ": "苏州", "HZ": "杭州"}[wh], wh, fmt.Sprintf("%s某路 %d 号", wh, i), "月结"})
	}
	c.stock = [][]string{{"仓库编码", "SKU", "库存数量"}}
	for i := 1; i <= 1200; i++ {
		for j, wh := range whs {
			c.stock = append(c.stock, []string{wh, fmt.Sprintf("SKU-%04d", i), fmt.Sprint(50 + (i+j)%40)})
		}
	}
	return c
}

func xlsxOf(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gbkCSV is CSV as Excel on a Chinese Windows saves it: GB18030.
func gbkCSV(t testing.TB, rows [][]string) []byte {
	t.Helper()
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(csvOf(rows)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// importFile posts a file to /api/v1/imports/{kind}.
func importFile(t testing.TB, base, kind, name string, data []byte) (int, map[string]any) {
	t.Helper()
	return postFile(t, http.DefaultClient, base+"/api/v1/imports/"+kind, name, data, "Authorization", "Bearer "+testToken)
}

// postFile posts data as the multipart field file named name, with the
// header pairs hdr, and answers the status and the JSON body.
func postFile(t testing.TB, c *http.Client, u, name string, data []byte, hdr ...string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", u, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func download(t *testing.T, url string) (*excelize.File, int) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return nil, res.StatusCode
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("GET %s: not a workbook: %v", url, err)
	}
	t.Cleanup(func() { f.Close() })
	return f, res.StatusCode
}

func counts(t *testing.T, out map[string]any) string {
	t.Helper()
	im, ok := out["import"].(map[string]any)
	if !ok {
		t.Fatalf("import answer = %v", out)
	}
	return fmt.Sprintf("rows=%v created=%v updated=%v unchanged=%v", im["rows"], im["created"], im["updated"], im["unchanged"])
}

// TestMoveIn: an empty database plus one import of the company's
// spreadsheets is a working company that takes an order; importing again
// changes nothing; a file with bad rows is reported row by row and writes
// nothing; finance exports the order.
func TestMoveIn(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		a, srv := testApp(t, mysql, "")
		co := newCompany()
		steps := []struct {
			kind, name string
			data       []byte
			want       string
		}{
			{"warehouses", "仓库.xlsx", xlsxOf(t, co.warehouses), "rows=3 created=3 updated=0 unchanged=0"},
			{"staff", "员工.xlsx", xlsxOf(t, co.staff), "rows=40 created=40 updated=0 unchanged=0"},
			// The keepers exist now: the same warehouses with a keeper column.
			{"warehouses", "仓库.xlsx", xlsxOf(t, [][]string{{"仓库编码", "仓库名称", "仓管账号"}, {"SH", "上海嘉定仓", "keeper.sh"}, {"SZ", "苏州仓", "keeper.sz"}, {"HZ", "杭州仓", "keeper.hz"}}), "rows=3 created=0 updated=3 unchanged=0"},
			{"products", "商品.xlsx", xlsxOf(t, co.products), "rows=1200 created=1200 updated=0 unchanged=0"},
			{"customers", "客户.csv", gbkCSV(t, co.customers), "rows=327 created=327 updated=0 unchanged=0"},
			{"stock", "期初库存.xlsx", xlsxOf(t, co.stock), "rows=3600 created=3600 updated=0 unchanged=0"},
			// Importing the same files again changes nothing.
			{"products", "商品.xlsx", xlsxOf(t, co.products), "rows=1200 created=0 updated=0 unchanged=1200"},
			{"customers", "客户.csv", gbkCSV(t, co.customers), "rows=327 created=0 updated=0 unchanged=327"},
			{"stock", "期初库存.xlsx", xlsxOf(t, co.stock), "rows=3600 created=0 updated=0 unchanged=3600"},
			{"staff", "员工.csv", []byte("\ufeff" + csvOf(co.staff)), "rows=40 created=0 updated=0 unchanged=40"},
		}
		for _, s := range steps {
			status, out := importFile(t, srv.URL, s.kind, s.name, s.data)
			if status != 200 || counts(t, out) != s.want {
				t.Fatalf("import %s %s = %d %v, want %s", s.kind, s.name, status, out, s.want)
			}
		}
		var n int64
		for _, c := range []struct {
			model any
			want  int64
		}{{&model.Warehouse{}, 3}, {&model.Staff{}, 40}, {&model.Product{}, 1200}, {&model.Customer{}, 327}, {&model.Stock{}, 3600}, {&model.ProductAlias{}, 240}} {
			a.db.Model(c.model).Count(&n)
			if n != c.want {
				t.Errorf("%T rows = %d, want %d", c.model, n, c.want)
			}
		}

		// A file with bad rows: every one reported, nothing written.
		bad := [][]string{co.customers[0], co.customers[1],
			{"C9001", strings.Repeat("名", 129), "", "", "", "SH", "", ""},
			{"C9002", "新客户", "", "", "", "BJ", "", ""},
			{"C0001", "重复的客户", "", "", "", "", "", ""},
			{"", "没有编码", "", "", "", "", "", ""},
			{"C9003", "好客户", "", "", "", "SZ", "", ""},
		}
		status, out := importFile(t, srv.URL, "customers", "客户.xlsx", xlsxOf(t, bad))
		e, _ := out["error"].(map[string]any)
		rows, _ := e["rows"].([]any)
		if status != 422 || e["code"] != "invalid_rows" || len(rows) != 4 {
			t.Fatalf("bad customers = %d %v, want 422 invalid_rows with 4 rows", status, out)
		}
		want := []struct {
			row    float64
			column string
			has    string
		}{{3, "客户名称", "128"}, {4, "就近仓库", "BJ"}, {5, "客户编码", "第 2 行"}, {6, "客户编码", "必填"}}
		for i, w := range want {
			r := rows[i].(map[string]any)
			if r["row"] != w.row || r["column"] != w.column || !strings.Contains(r["message"].(string), w.has) {
				t.Errorf("bad row %d = %v, want row %v column %s mentioning %q", i, r, w.row, w.column, w.has)
			}
		}
		a.db.Model(&model.Customer{}).Where("code IN ?", []string{"C9001", "C9002", "C9003"}).Count(&n)
		if n != 0 {
			t.Errorf("a refused file wrote %d customers", n)
		}
		status, out = importFile(t, srv.URL, "stock", "x.csv", []byte("仓库编码,SKU,库存数量,备注\nSH,SKU-0001,-3,\nXX,NOPE,abc,\n"))
		e, _ = out["error"].(map[string]any)
		if rows, _ := e["rows"].([]any); status != 422 || len(rows) != 1 || !strings.Contains(fmt.Sprint(rows), "备注") {
			t.Errorf("unknown column = %d %v", status, out)
		}
		status, out = importFile(t, srv.URL, "stock", "x.csv", []byte("仓库编码,SKU,库存数量\nSH,SKU-0001,-3\nXX,NOPE,abc\n"))
		e, _ = out["error"].(map[string]any)
		if rows, _ := e["rows"].([]any); status != 422 || len(rows) != 4 {
			t.Errorf("bad stock = %d %v, want 4 problems", status, out)
		}

		// The company takes an order: customer C0002's nearest warehouse
		// is HZ, and the address on file is used.
		status, out = post(t, srv.URL+"/api/v1/orders", map[string]any{"customer": "C0002", "lines": []map[string]any{{"sku": "SKU-0007", "qty": 3}, {"sku": "SKU-1200", "qty": 1}}})
		if status != 201 {
			t.Fatalf("order = %d %v", status, out)
		}
		o := out["order"].(map[string]any)
		if o["address"] != "HZ某路 2 号" || o["warehouse"] != "HZ" {
			t.Errorf("order = %v", o)
		}
		no := o["no"].(string)
		status, out = post(t, srv.URL+"/api/v1/orders/"+no+"/advance", map[string]any{"to": "confirmed", "fields": map[string]any{"promised_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339)}})
		if status != 200 {
			t.Fatalf("advance = %d %v", status, out)
		}

		// Finance exports it.
		today := time.Now().In(a.cfg.Location()).Format("2006-01-02")
		f, code := download(t, srv.URL+"/api/v1/exports/orders?from="+today+"&to="+today)
		if code != 200 {
			t.Fatalf("export = %d", code)
		}
		xrows, err := f.GetRows("订单")
		if err != nil {
			t.Fatal(err)
		}
		if len(xrows) != 3 || xrows[0][0] != "订单号" || xrows[1][0] != no || xrows[1][7] != "SKU-0007" || xrows[1][3] != "C0002" {
			t.Errorf("export rows = %v", xrows)
		}
		if _, code := download(t, srv.URL+"/api/v1/exports/orders?from=2026-13-01&to="+today); code != 400 {
			t.Errorf("bad from = %d", code)
		}
		tpl, code := download(t, srv.URL+"/api/v1/imports/products/template")
		if code != 200 {
			t.Fatalf("template = %d", code)
		}
		head, _ := tpl.GetRows("导入")
		if len(head) != 1 || head[0][0] != "SKU*" || head[0][1] != "品名*" || head[0][4] != "单价(元)" {
			t.Errorf("template header = %v", head)
		}
		// Every template, filled with its own example row, is a file the
		// import takes (in the order a company imports them).
		for _, kind := range []string{"warehouses", "staff", "products", "customers", "stock"} {
			tpl, code := download(t, srv.URL+"/api/v1/imports/"+kind+"/template")
			if code != 200 {
				t.Fatalf("%s template = %d", kind, code)
			}
			head, _ := tpl.GetRows("导入")
			help, _ := tpl.GetRows("说明")
			example := make([]string, len(head[0]))
			for i := range example {
				example[i] = help[i+1][3]
			}
			if kind == "warehouses" {
				example[4] = "" // its keeper is imported with staff, next
			}
			if kind == "stock" {
				example[1] = "SKU-0001"
			}
			status, out := importFile(t, srv.URL, kind, kind+".xlsx", xlsxOf(t, [][]string{head[0], example}))
			if status != 200 {
				t.Errorf("%s template with its example = %d %v", kind, status, out)
			}
		}
		if _, code := download(t, srv.URL+"/api/v1/imports/pets/template"); code != 404 {
			t.Errorf("unknown kind template = %d", code)
		}
	})
}

func csvOf(rows [][]string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	_ = w.WriteAll(rows)
	return b.String()
}
