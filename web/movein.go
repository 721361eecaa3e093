package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
	"orderhub/service/movein"
)

// PracticeView lists every trainee's practice (练习), read from their
// sandboxes: the board's practice filter, the only place practice data
// is shown outside chat.
type PracticeView interface {
	All(ctx context.Context) ([]service.PracticeProgress, error)
}

// MoveInDeps is what the move-in page needs.
type MoveInDeps struct {
	Imports *movein.Imports
	// Practice, when set, adds the trainees' progress.
	Practice PracticeView
	// Exports, when set, lets the page download the finance export.
	Exports *movein.Exports
}

// MountMoveIn adds /dashboard/movein to the board: the spreadsheet imports
// running and done (with the rows read so far), and, under its own
// heading, the trainees' practice — kept off every other page.
func MountMoveIn(e *gin.Engine, d *Dashboard, m MoveInDeps) {
	if m.Imports == nil {
		panic("web: MountMoveIn: missing imports")
	}
	g := e.Group("/dashboard", d.auth)
	g.GET("/movein", func(c *gin.Context) { d.moveIn(c, m) })
	// The page's downloads answer through the same handlers as the staff
	// API (GET /api/v1/imports/{kind}/template, /api/v1/exports/orders),
	// under the board's session instead of the admin token.
	r := &sheetRoutes{imports: m.Imports, exports: m.Exports, loc: d.d.Location, log: d.d.Log}
	g.GET("/movein/template/:kind", r.template)
	// Upload on the page: a preview that writes nothing (every row problem
	// in place), then the import. Moving in sets up staff and their roles,
	// so only an admin session or a director may.
	g.POST("/movein/preview/:kind", d.csrf, d.mayMoveIn, r.previewFile)
	g.POST("/movein/import/:kind", d.csrf, d.mayMoveIn, r.importFile)
	if m.Exports != nil {
		g.GET("/movein/export", r.exportOrders)
	}
}

// mayMoveIn lets an admin session or a director upload sheets.
func (d *Dashboard) mayMoveIn(c *gin.Context) {
	if a := viewerOf(c).Actor; a.ID != service.Admin.ID && !a.HasRole("director", "admin") {
		writeErr(c, http.StatusForbidden, "forbidden", "只有管理员或总监可以在看板上导入表格")
		c.Abort()
		return
	}
	c.Next()
}

// importRow and traineeRow are what the page prints, worded here so the
// template holds no rule.
type importRow struct {
	Kind, Started, State string
	Running              bool
}

// kindOption is one import kind the page offers a template for.
type kindOption struct{ Key, Name string }

type traineeRow struct {
	Name, UserID, State, Started string
	Done, Orders, Refusals       int
	Average                      string
	Open                         []string
	Recent                       []string
}

var importKindZh = map[string]string{"warehouses": "仓库", "staff": "员工", "products": "商品", "customers": "客户", "stock": "库存"}

func (d *Dashboard) moveIn(c *gin.Context, m MoveInDeps) {
	ctx := c.Request.Context()
	runs, err := m.Imports.Runs(ctx, 20)
	if err != nil {
		d.failPage(c, err)
		return
	}
	loc := d.d.Location
	var imports []importRow
	for _, r := range runs {
		row := importRow{Kind: importKindZh[r.Kind], Started: r.StartedAt.In(loc).Format("01-02 15:04:05"), State: r.Result, Running: r.Running}
		if row.Kind == "" {
			row.Kind = r.Kind
		}
		if r.Running {
			row.State = "导入中"
			if r.Rows > 0 {
				row.State += fmt.Sprintf("，已读 %d 行", r.Rows)
			}
		}
		imports = append(imports, row)
	}
	var trainees []traineeRow
	if m.Practice != nil {
		ps, err := m.Practice.All(ctx)
		if err != nil {
			d.failPage(c, err)
			return
		}
		pipe := d.d.Orders.Pipeline()
		for _, p := range ps {
			t := traineeRow{Name: p.Name, UserID: p.UserID, State: "练习中", Started: p.StartedAt.In(loc).Format("01-02 15:04"),
				Done: p.Done, Orders: len(p.Orders), Refusals: p.Refusals}
			if p.EndedAt != nil {
				t.State = "已退出"
			}
			var took time.Duration
			for _, o := range p.Orders {
				if o.Done {
					took += o.Took
				} else {
					t.Open = append(t.Open, o.No+" "+pipe.Name(o.Stage))
				}
			}
			if p.Done > 0 {
				t.Average = service.Waited(took / time.Duration(p.Done))
			}
			for _, r := range p.Recent {
				t.Recent = append(t.Recent, fmt.Sprintf("%s「%s」：%s", r.CreatedAt.In(loc).Format("01-02 15:04"), cutText(r.Command, 40), cutText(r.Reason, 80)))
			}
			trainees = append(trainees, t)
		}
	}
	c.Header("Cache-Control", "no-store")
	var kinds []kindOption
	for _, k := range movein.ImportKinds {
		kinds = append(kinds, kindOption{Key: k, Name: importKindZh[k]})
	}
	today := d.d.Clock().In(loc)
	a := viewerOf(c).Actor
	d.render(c, http.StatusOK, "movein", gin.H{"Title": "导入与练习", "Nav": "movein", "Imports": imports, "Trainees": trainees, "Practice": m.Practice != nil,
		"MayUpload": a.ID == service.Admin.ID || a.HasRole("director", "admin"),
		"Kinds":     kinds, "Export": m.Exports != nil, "From": today.AddDate(0, 0, -30).Format("2006-01-02"), "To": today.Format("2006-01-02")})
}

func cutText(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
