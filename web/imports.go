package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"orderhub/service"
	"orderhub/service/movein"
)

// MaxImportBody caps an import upload: a 10,000-row workbook is a few
// hundred kilobytes, so 32 MiB leaves room without inviting abuse.
const MaxImportBody = movein.MaxImportBytes

// sheetRoutes serve imports, templates and the finance export.
type sheetRoutes struct {
	imports *movein.Imports
	exports *movein.Exports
	loc     *time.Location
	log     *slog.Logger
}

// MountImports adds imports (POST /imports/{kind}, multipart field file),
// their templates and the finance export of orders to the staff API group.
func MountImports(g *gin.RouterGroup, imports *movein.Imports, exports *movein.Exports, loc *time.Location, log *slog.Logger) {
	if imports == nil || exports == nil || loc == nil || log == nil {
		panic("web: MountImports: missing dependency")
	}
	r := &sheetRoutes{imports: imports, exports: exports, loc: loc, log: log}
	g.POST("/imports/:kind", r.importFile)
	g.GET("/imports/:kind/template", r.template)
	g.GET("/exports/orders", r.exportOrders)
}

type rowErrorJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// importFile streams the multipart part "file" to a temporary file (the
// upload is never held in memory) and imports it.
func (r *sheetRoutes) importFile(c *gin.Context) { r.sheet(c, r.imports.Import, "import") }

// previewFile is importFile that writes nothing: what the import would do
// (the board's move-in page shows it before importing).
func (r *sheetRoutes) previewFile(c *gin.Context) { r.sheet(c, r.imports.Preview, "preview") }

// sheet reads the uploaded file and answers what do made of it under key.
func (r *sheetRoutes) sheet(c *gin.Context, do func(context.Context, string, movein.Sheet) (movein.ImportResult, error), key string) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxImportBody)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		writeErr(c, http.StatusBadRequest, "not_multipart", "请用 multipart/form-data 上传表格，字段名 file")
		return
	}
	var path, name string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r.uploadErr(c, err)
			return
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		name = part.FileName()
		tmp, err := os.CreateTemp("", "orderhub-import-*")
		if err != nil {
			fail(c, r.log, err)
			return
		}
		path = tmp.Name()
		defer os.Remove(path)
		_, err = io.Copy(tmp, part)
		tmp.Close()
		if err != nil {
			r.uploadErr(c, err)
			return
		}
		break
	}
	if path == "" {
		writeErr(c, http.StatusBadRequest, "missing_file", "没有收到表格：multipart 里缺少字段 file")
		return
	}
	sh, err := openSheet(path, name)
	if err != nil {
		if !importRefused(c, err) {
			writeErr(c, http.StatusUnprocessableEntity, service.CodeUnreadableFile, err.Error())
		}
		return
	}
	defer sh.Close()
	res, err := do(c.Request.Context(), c.Param("kind"), sh)
	var rows *movein.InvalidRowsError
	if errors.As(err, &rows) {
		out := make([]rowErrorJSON, len(rows.Rows))
		for i, e := range rows.Rows {
			out[i] = rowErrorJSON{Row: e.Row, Column: e.Column, Message: e.Message}
		}
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": rows.Code(), "message": rows.Error(), "rows": out, "more": rows.More}})
		return
	}
	if importRefused(c, err) {
		return
	}
	if err != nil {
		fail(c, r.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{key: gin.H{"kind": res.Kind, "rows": res.Rows, "created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged}})
}

// importRefused answers a file past an import limit (413) or in no one
// encoding (422), each naming the row when it is known; false: err is
// neither.
func importRefused(c *gin.Context, err error) bool {
	var big *movein.TooLargeError
	if errors.As(err, &big) {
		c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": gin.H{"code": big.Code(), "message": big.Message, "row": big.Row}})
		return true
	}
	var enc *movein.EncodingError
	if errors.As(err, &enc) {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": enc.Code(), "message": enc.Message, "row": enc.Row}})
		return true
	}
	return false
}

func (r *sheetRoutes) uploadErr(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeErr(c, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("上传的文件超过 %d MiB，未导入：请拆成几个文件", MaxImportBody>>20))
		return
	}
	writeErr(c, http.StatusBadRequest, "malformed_upload", "无法读取上传的文件："+err.Error())
}

// attachment sets the headers of an .xlsx download named name (Chinese
// names survive through filename*).
func attachment(c *gin.Context, name string) {
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Header("Cache-Control", "no-store")
}

// template answers a workbook whose first sheet has the kind's headers
// (required ones marked *) and whose second sheet explains each column.
func (r *sheetRoutes) template(c *gin.Context) {
	kind := c.Param("kind")
	cols, err := r.imports.Columns(kind)
	if err != nil {
		fail(c, r.log, err)
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	const data, help = "导入", "说明"
	if err := f.SetSheetName("Sheet1", data); err != nil {
		fail(c, r.log, err)
		return
	}
	if _, err := f.NewSheet(help); err != nil {
		fail(c, r.log, err)
		return
	}
	head := make([]any, len(cols))
	for i, col := range cols {
		h := col.Header
		if col.Required {
			h += "*"
		}
		head[i] = h
	}
	if err := f.SetSheetRow(data, "A1", &head); err != nil {
		fail(c, r.log, err)
		return
	}
	_ = f.SetSheetRow(help, "A1", &[]any{"列", "字段", "必填", "示例", "说明"})
	for i, col := range cols {
		req := ""
		if col.Required {
			req = "是"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow(help, cell, &[]any{col.Header, col.Key, req, col.Example, col.Note})
	}
	attachment(c, kind+"-template.xlsx")
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		r.log.ErrorContext(c.Request.Context(), "template write", "err", err)
	}
}

// exportOrders answers the orders created from..to as an .xlsx for
// finance, one row per order line, written through excelize's stream
// writer so a year of orders is not built in memory first.
func (r *sheetRoutes) exportOrders(c *gin.Context) {
	var from, to time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := c.Query(p.name)
		t, err := time.ParseInLocation("2006-01-02", v, r.loc)
		if err != nil {
			writeErr(c, http.StatusBadRequest, "invalid_"+p.name, p.name+" 须为日期，例如 2026-12-01")
			return
		}
		*p.dst = t
	}
	f := excelize.NewFile()
	defer f.Close()
	const name = "订单"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		fail(c, r.log, err)
		return
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		fail(c, r.log, err)
		return
	}
	stages := r.exports.Stages()
	head := []any{"订单号", "下单时间", "渠道", "客户编码", "客户名称", "发货仓", "当前阶段", "SKU", "品名", "数量", "单价(元)", "金额(元)",
		"承诺送达", "送达时间", "是否准时", "物流公司", "运单号"}
	for _, s := range stages {
		head = append(head, "进入"+r.exports.StageName(s))
	}
	_ = sw.SetColWidth(1, 1, 20)
	if err := sw.SetRow("A1", head); err != nil {
		fail(c, r.log, err)
		return
	}
	row := 2
	local := func(t *time.Time) any {
		if t == nil {
			return ""
		}
		return t.In(r.loc).Format("2006-01-02 15:04")
	}
	err = r.exports.Orders(c.Request.Context(), from, to, func(o movein.FinanceOrder) error {
		onTime := map[string]string{service.PunctualOnTime: "准时", service.PunctualEarly: "提前", service.PunctualLate: "延误"}[o.Punctuality]
		for _, l := range o.Order.Lines {
			created := o.Order.CreatedAt
			vals := []any{o.Order.No, local(&created), r.exports.ChannelName(o.Order.Channel), o.Customer.Code, o.Customer.Name, o.Warehouse,
				r.exports.StageName(o.Order.Stage), l.SKU, l.Name, l.Qty, yuan(l.PriceFen), yuan(l.PriceFen * l.Qty),
				local(o.Order.PromisedAt), local(o.DeliveredAt), onTime, o.Order.Carrier, o.Order.TrackingNo}
			for _, s := range stages {
				if t, ok := o.Entered[s]; ok {
					vals = append(vals, local(&t))
				} else {
					vals = append(vals, "")
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
			row++
		}
		return nil
	})
	if err != nil {
		fail(c, r.log, err)
		return
	}
	if err := sw.Flush(); err != nil {
		fail(c, r.log, err)
		return
	}
	attachment(c, fmt.Sprintf("orders-%s-%s.xlsx", from.Format("20060102"), to.Format("20060102")))
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		r.log.ErrorContext(c.Request.Context(), "export write", "err", err)
	}
}

// yuan shows fen as yuan with two decimals, a number Excel can sum.
func yuan(fen int64) float64 { return float64(fen) / 100 }
