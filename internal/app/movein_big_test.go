package app

import (
	"fmt"
	"runtime"
	"testing"

	"orderhub/model/modeltest"
)

// TestImportTenThousandRows: a 10,000-row workbook is streamed to disk and
// read row by row; it imports whole, and again unchanged.
func TestImportTenThousandRows(t *testing.T) {
	modeltest.EachBackend(t, func(t *testing.T, mysql bool) {
		_, srv := testApp(t, mysql, "")
		rows := [][]string{{"SKU", "品名", "规格", "单价(元)"}}
		for i := 1; i <= 10000; i++ {
			rows = append(rows, []string{fmt.Sprintf("BIG-%05d", i), fmt.Sprintf("大批量商品%05d", i), "规格", "9.90"})
		}
		data := xlsxOf(t, rows)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		status, out := importFile(t, srv.URL, "products", "big.xlsx", data)
		runtime.ReadMemStats(&after)
		if status != 200 || counts(t, out) != "rows=10000 created=10000 updated=0 unchanged=0" {
			t.Fatalf("import = %d %v", status, out)
		}
		t.Logf("10,000-row workbook of %d KiB; allocated %d MiB during the import", len(data)>>10, (after.TotalAlloc-before.TotalAlloc)>>20)
		status, out = importFile(t, srv.URL, "products", "big.xlsx", data)
		if status != 200 || counts(t, out) != "rows=10000 created=0 updated=0 unchanged=10000" {
			t.Fatalf("import again = %d %v", status, out)
		}
	})
}
