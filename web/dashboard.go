package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/insight"
)

// The chart library (Apache ECharts, pinned in charts/package-lock.json)
// is copied into assets by charts/build.sh; its output is committed.
//go:generate sh charts/build.sh

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// favicon is the board's 32×32 icon (a parcel on blue), also served at
// /favicon.ico where browsers ask for it.
//
//go:embed assets/favicon.ico
var favicon []byte

// OAuth is WeCom's web login (网页授权): where to send the browser, and the
// userid a returned code stands for. The bot's WeCom client satisfies it.
type OAuth interface {
	AuthorizeURL(redirect, state string) string
	UserID(ctx context.Context, code string) (string, error)
}

// DashboardDeps is what the board needs.
type DashboardDeps struct {
	Board     *insight.Board
	Orders    *service.Orders
	Tickets   *service.Tickets
	Transfers *service.Transfers
	Measures  *insight.Measures
	Catalog   *catalog.Catalog
	// Insight answers the purchase calendar and the remark terms.
	Insight *insight.Insight
	// Overdue marks the tickets and transfers past their escalation's
	// first level in the panes.
	Overdue service.Overdue
	// OAuth, when set, offers 企业微信登录 on the login page.
	OAuth OAuth
	// Roles may use the board after WeCom OAuth ("leads": every role that
	// is some role's lead in config leads).
	Roles      []string
	AdminToken string
	// Secret signs sessions; every instance must share it.
	Secret     string
	SessionTTL time.Duration
	// PublicURL is where browsers reach orderhub (for the OAuth redirect);
	// empty: the request's own host.
	PublicURL string
	// Channels names the configured order channels (key → name), so the
	// board lists and filters them with orderhub's own.
	Channels map[string]string
	// Intakes finds the slip photo an order was read from (chat links to
	// it); nil: no slip photos on the board.
	Intakes *service.Intakes
	// DataDir holds the waybill photos chat attached.
	DataDir  string
	Location *time.Location
	Clock    service.Clock
	Log      *slog.Logger
}

// Dashboard serves the supervisors' board under /dashboard.
type Dashboard struct {
	d    DashboardDeps
	s    *sessions
	tmpl *template.Template
}

// pollEvery is how often an open board asks for changes.
const pollEvery = 10 * time.Second

// MountDashboard adds /dashboard and its pages, fragments and actions to
// e, and lets a board session read the metrics and insight APIs.
func MountDashboard(e *gin.Engine, d DashboardDeps) *Dashboard {
	if d.Board == nil || d.Orders == nil || d.Tickets == nil || d.Transfers == nil || d.Measures == nil || d.Catalog == nil || d.Insight == nil ||
		d.Location == nil || d.Clock == nil || d.Log == nil {
		panic("web: MountDashboard: missing dependency")
	}
	if d.Secret == "" || d.AdminToken == "" {
		panic("web: MountDashboard: empty secret or admin token")
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = 7 * 24 * time.Hour
	}
	db := &Dashboard{d: d, s: newSessions(d.Secret, d.SessionTTL, strings.HasPrefix(d.PublicURL, "https://"))}
	db.tmpl = template.Must(template.New("").Funcs(db.funcs()).ParseFS(templateFS, "templates/*.html"))

	sub, _ := fs.Sub(assetFS, "assets")
	files := http.StripPrefix("/dashboard/assets/", http.FileServer(http.FS(sub)))
	e.GET("/dashboard/assets/*file", func(c *gin.Context) {
		// Assets change only with a new build; a day's cache is plenty.
		c.Header("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(c.Writer, c.Request)
	})
	// A browser pointed at the server's address lands on the board (its
	// login when there is no session); its tab shows orderhub's icon.
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/dashboard") })
	e.GET("/favicon.ico", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Data(http.StatusOK, "image/x-icon", favicon)
	})
	e.GET("/dashboard/login", db.loginPage)
	e.POST("/dashboard/login", db.login)
	e.GET("/dashboard/oauth", db.oauthStart)
	e.GET("/dashboard/oauth/callback", db.oauthCallback)

	g := e.Group("/dashboard", db.auth)
	g.GET("", db.board)
	g.GET("/board", db.boardFragment)
	g.GET("/orders/:no", db.detail)
	g.GET("/orders/:no/waybill", db.waybill)
	g.GET("/intakes/:id/photo", db.slipPhoto)
	g.GET("/tickets", db.ticketsPane)
	g.GET("/transfers", db.transfersPane)
	g.GET("/charts", db.charts)
	g.POST("/logout", db.csrf, db.logout)
	g.POST("/orders/:no/advance", db.csrf, db.advance)
	g.POST("/tickets/:no/ack", db.csrf, db.ack)
	g.POST("/tickets/:no/resolve", db.csrf, db.resolve)
	g.POST("/transfers/:id/receive", db.csrf, db.receive)
	return db
}

// base is where browsers reach this server.
func (d *Dashboard) base(c *gin.Context) string {
	if d.d.PublicURL != "" {
		return strings.TrimRight(d.d.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}
