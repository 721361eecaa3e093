package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/movein"
	"orderhub/web"
)

// importServer serves POST /imports/{kind} over db.
func importServer(t *testing.T, db *gorm.DB) string {
	t.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	e := gin.New()
	web.MountImports(e.Group("/"), movein.NewImports(db, service.SystemClock, cfg.Roles),
		movein.NewExports(db, service.NewPipeline(cfg), cfg.Location()), cfg.Location(), modeltest.Log())
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// upload posts data as the multipart field "file" named name.
func upload(t *testing.T, url, name string, data io.Reader) (int, map[string]any) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("file", name)
		_, err := io.Copy(fw, data)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	res, err := http.Post(url, mw.FormDataContentType(), pr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// hugeCellXLSX is a valid workbook whose one shared string (cell A2) is
// n bytes of one letter: a few hundred KiB zipped.
func hugeCellXLSX(t *testing.T, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "SKU")
	f.SetCellValue("Sheet1", "B1", "品名")
	f.SetCellValue("Sheet1", "A2", "PLACEHOLDER")
	f.SetCellValue("Sheet1", "B2", "螺栓")
	var small bytes.Buffer
	if err := f.Write(&small); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(small.Bytes()), int64(small.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		w, _ := zw.Create(zf.Name)
		before, after, found := bytes.Cut(body, []byte("PLACEHOLDER"))
		if !found {
			w.Write(body)
			continue
		}
		w.Write(before)
		chunk := bytes.Repeat([]byte("A"), 1<<20)
		for left := n; left > 0; left -= len(chunk) {
			w.Write(chunk[:min(left, len(chunk))])
		}
		w.Write(after)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// repeatReader yields s n times without holding them.
func repeatReader(s string, n int) io.Reader {
	return io.LimitReader(&cycle{s: s}, int64(len(s)*n))
}

type cycle struct {
	s string
	i int
}

func (c *cycle) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.s[c.i]
		c.i = (c.i + 1) % len(c.s)
	}
	return len(p), nil
}

// TestImportLimits: a workbook with one 64 MiB cell (zipped: a few
// hundred KiB), a CSV with a 1 MiB cell, and 32 MiB of tiny rows are
// refused 413 naming the limit, while the server allocates a few MiB
// (before: the cell was read whole, the rows all kept, and every problem
// listed); a file of many bad rows lists the first 100 and counts the rest.
func TestImportLimits(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		url := importServer(t, db) + "/imports/products"
		refused := func(name string, data func() io.Reader, code string, maxAlloc uint64) {
			t.Helper()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			status, out := upload(t, url, name, data())
			runtime.ReadMemStats(&after)
			if status != 413 || errCode(out) != code || !strings.Contains(errMessage(out), "未导入") {
				t.Errorf("%s = %d %v, want 413 %s with a Chinese message", name, status, out, code)
			}
			t.Logf("%s: %d MiB allocated", name, (after.TotalAlloc-before.TotalAlloc)>>20)
			if got := after.TotalAlloc - before.TotalAlloc; got > maxAlloc {
				t.Errorf("%s: the server and the test allocated %d MiB, want at most %d MiB", name, got>>20, maxAlloc>>20)
			}
		}
		xlsx := hugeCellXLSX(t, 64<<20)
		if len(xlsx) > 1<<20 {
			t.Fatalf("the crafted workbook is %d bytes, want under 1 MiB", len(xlsx))
		}
		refused("huge-cell.xlsx", func() io.Reader { return bytes.NewReader(xlsx) }, service.CodeCellTooLarge, 16<<20)
		refused("huge-cell.csv", func() io.Reader {
			return io.MultiReader(strings.NewReader("SKU,品名\nA-1,"), repeatReader("x", 1<<20), strings.NewReader("\n"))
		}, service.CodeCellTooLarge, 16<<20)
		// 32 MiB less a little of 4-byte duplicate rows: 8 million rows.
		refused("dupes.csv", func() io.Reader {
			return io.MultiReader(strings.NewReader("SKU,品名\n"), repeatReader("a,b\n", (32<<20-4096)/4))
		}, service.CodeTooManyRows, 256<<20)

		var many bytes.Buffer
		many.WriteString("SKU,品名\n")
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(&many, "BAD/%d,\n", i) // two problems: the SKU, the name
		}
		status, out := upload(t, url, "bad.csv", &many)
		e, _ := out["error"].(map[string]any)
		rows, _ := e["rows"].([]any)
		if status != 422 || errCode(out) != service.CodeInvalidRows || len(rows) != movein.MaxImportErrors || e["more"] != float64(2000-movein.MaxImportErrors) {
			t.Errorf("1,000 bad rows = %d, %d listed, more %v; want 422 with %d listed and %d more", status, len(rows), e["more"], movein.MaxImportErrors, 2000-movein.MaxImportErrors)
		}
	})
}

// TestImportCSVEncoding: the encoding of a CSV is decided on the whole
// file, not its first 64 KiB. A GBK row after 64 KiB of UTF-8 Chinese is
// refused 422 naming its row (before: 500 on MariaDB, mojibake on
// SQLite); a GBK file whose first Chinese comes after 64 KiB is read as
// GBK; a file neither UTF-8 nor GBK is refused naming the row.
func TestImportCSVEncoding(t *testing.T) {
	t.Parallel()
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		url := importServer(t, db) + "/imports/products"
		gbk := func(s string) string {
			b, err := simplifiedchinese.GBK.NewEncoder().String(s)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		var mixed, lateGBK strings.Builder
		mixed.WriteString("SKU,品名\n")
		lateGBK.WriteString("SKU,name\n")
		for i := 0; i < 3000; i++ {
			fmt.Fprintf(&mixed, "UTF-%d,六角螺栓镀锌\n", i)
			fmt.Fprintf(&lateGBK, "LATE-%d,plain ascii name\n", i)
		}
		mixed.WriteString(gbk("GBK-1,六角螺母\n"))
		lateGBK.WriteString(gbk("LATE-GBK,六角螺母\n"))
		status, out := upload(t, url, "mixed.csv", strings.NewReader(mixed.String()))
		e, _ := out["error"].(map[string]any)
		if status != 422 || errCode(out) != service.CodeBadEncoding || e["row"] != float64(3002) || !strings.Contains(errMessage(out), "第 3002 行") {
			t.Errorf("UTF-8 then a GBK row = %d %v, want 422 bad_encoding naming row 3002", status, out)
		}
		status, out = upload(t, url, "late.csv", strings.NewReader(lateGBK.String()))
		if status != 200 {
			t.Fatalf("GBK file with its Chinese after 64 KiB = %d %v, want 200", status, out)
		}
		var name string
		if err := db.Table("products").Where("sku = ?", "LATE-GBK").Select("name").Scan(&name).Error; err != nil || name != "六角螺母" {
			t.Errorf("LATE-GBK stored as %q (%v), want 六角螺母", name, err)
		}
		status, out = upload(t, url, "neither.csv", strings.NewReader("SKU,name\nX-1,ok\nX-2,\x81\x20bad\n"))
		if status != 422 || errCode(out) != service.CodeBadEncoding || !strings.Contains(errMessage(out), "第 3 行") {
			t.Errorf("neither UTF-8 nor GBK = %d %v, want 422 naming row 3", status, out)
		}
	})
}
