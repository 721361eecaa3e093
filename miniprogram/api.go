// Package miniprogram is the buyers' API under /api/mp/v1, the backend of
// the WeChat mini-program B2B buyers order in: login by code2session,
// catalog with live availability, orders, tracking, problems; and the
// public tracking page /t/<token>.
package miniprogram

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"orderhub/config"
	"orderhub/internal/apitime"
	"orderhub/service"
	"orderhub/service/catalog"
)

// MaxBody caps a buyer's request body. The largest legitimate one, an
// order of MaxOrderLines lines, is far smaller.
const MaxBody = 64 << 10

// Coder exchanges a wx.login code for the buyer's openid (code2session).
type Coder interface {
	Code2Session(ctx context.Context, code string) (Session, error)
}

// Deps is what the buyers' API needs.
type Deps struct {
	Buyers   *service.Buyers
	Catalog  *catalog.Catalog
	Orders   *service.Orders
	Tracking *service.Tracking
	Tickets  *service.Tickets
	// Links are the buyers' requests to be linked to their company.
	Links *service.LinkRequests
	// Notifier sends subscribe messages; the API asks it which events
	// buyers can subscribe to.
	Notifier *Notifier
	// WeChat exchanges login codes; nil when no app id is configured, which
	// is the embedded demo: then `dev:<name>` codes log in as demo buyers.
	WeChat Coder
	Redis  redis.UniversalClient
	// SessionSecret signs login tokens (derived from ORDERHUB_SECRET, so
	// every instance verifies every other's tokens without Redis).
	SessionSecret []byte
	// Clock tells session expiry; nil is the wall clock.
	Clock service.Clock
	// Prefix is the Redis key prefix (config redis.prefix).
	Prefix string
	Config config.MiniProgram
	// PublicURL is where buyers reach this server; "" makes tracking links
	// relative.
	PublicURL string
	Location  *time.Location
	Log       *slog.Logger

	// DataDir keeps the photos buyers attach to problems; "" refuses
	// uploads (503).
	DataDir string
	// PhotoQuota bounds one buyer's problem photos per window; zero
	// fields take DefaultPhotoQuota's.
	PhotoQuota service.PhotoQuota
}

// API is the buyers' HTTP API.
//
// Handlers give service and Redis c.Request.Context(), never the
// *gin.Context: gin recycles its Context for the next request as soon as a
// handler returns, while database/sql may still be watching the context it
// was handed (the race detector catches it under concurrent requests).
type API struct {
	d     Deps
	limit *limiter
	// loginAddr and loginBuyer limit login attempts per client address
	// (before WeChat is asked) and per buyer (openid).
	loginAddr, loginBuyer *limiter
	// stocking places buyers' stocking lists (MountStocking; nil: not
	// mounted).
	stocking *service.Stocking
}

// New returns the API; it panics on missing dependencies so that bad
// wiring fails at start.
func New(d Deps) *API {
	if d.Buyers == nil || d.Catalog == nil || d.Orders == nil || d.Tracking == nil || d.Tickets == nil || d.Links == nil || d.Notifier == nil || d.Redis == nil || d.Location == nil || d.Log == nil || len(d.SessionSecret) < 16 {
		panic("miniprogram: New: missing dependency")
	}
	if d.WeChat == nil {
		d.Log.Warn("mini-program: no app id configured (ORDERHUB_MP_APP_ID): demo logins with code dev:<name> are open to anyone; set the app id in production")
	}
	if d.Clock == nil {
		d.Clock = service.SystemClock
	}
	loginLimit, loginWindow := d.Config.LoginLimit, d.Config.LoginWindow.D()
	if loginLimit < 1 || loginWindow <= 0 {
		loginLimit, loginWindow = 10, time.Minute
	}
	return &API{d: d,
		limit:      newLimiter(d.Redis, d.Prefix+"mp:ratelimit:", d.Config.WriteLimit, d.Config.WriteWindow.D(), d.Log),
		loginAddr:  newLimiter(d.Redis, d.Prefix+"mp:login:addr:", loginLimit, loginWindow, d.Log),
		loginBuyer: newLimiter(d.Redis, d.Prefix+"mp:login:buyer:", loginLimit, loginWindow, d.Log),
	}
}

// Mount adds the buyers' routes to e, the public tracking page, and the
// staff endpoints for buyers to staff (the admin-token group of /api/v1).
func (a *API) Mount(e *gin.Engine, staff *gin.RouterGroup) {
	mp := e.Group("/api/mp/v1", limitBody(MaxBody))
	mp.POST("/login", a.login)
	auth := mp.Group("", a.auth)
	auth.POST("/logout", a.logout)
	auth.GET("/me", a.me)
	auth.GET("/products", a.products)
	auth.GET("/orders", a.listOrders)
	auth.GET("/orders/:no", a.getOrder)
	auth.GET("/orders/:no/problems", a.listProblems)
	auth.GET("/subscriptions/templates", a.templates)
	auth.GET("/coupons", a.listCoupons)
	auth.GET("/link-requests", a.listLinks)
	writes := auth.Group("", a.rateLimit)
	writes.POST("/orders", a.createOrder)
	writes.POST("/orders/:no/cancel", a.cancelOrder)
	writes.POST("/orders/:no/confirm-receipt", a.confirmReceipt)
	writes.POST("/orders/:no/problems", a.reportProblem)
	writes.POST("/orders/:no/subscriptions", a.subscribe)
	writes.POST("/link-requests", a.askLink)

	a.mountPhotos(e, staff)

	e.GET("/t/:token", a.trackPage)

	staff.GET("/buyers", a.listBuyers)
	staff.POST("/buyers/:openid/link", a.linkBuyer)
	staff.GET("/orders/:no/tracking-link", a.trackingLink)
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			writeErr(c, http.StatusRequestEntityTooLarge, "body_too_large", "请求体超过 "+strconv.FormatInt(n, 10)+" 字节")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// page reads ?page= and ?size= (defaults 1 and 20).
func page(c *gin.Context) (int, int, bool) {
	p, size := 1, 20
	var err error
	if v := c.Query("page"); v != "" {
		if p, err = strconv.Atoi(v); err != nil || p < 1 || p > service.MaxPage {
			writeErr(c, http.StatusBadRequest, "invalid_page", fmt.Sprintf("page 须为 1 到 %d 的整数", service.MaxPage))
			return 0, 0, false
		}
	}
	if v := c.Query("size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 100 {
			writeErr(c, http.StatusBadRequest, "invalid_size", "size 须为 1 到 100 的整数")
			return 0, 0, false
		}
	}
	return p, size, true
}

// ts and tsPtr write a time as every answer does (apitime): RFC 3339 in
// the business's zone.
func (a *API) ts(t time.Time) string { return apitime.New(a.d.Location).Format(t) }

func (a *API) tsPtr(t *time.Time) *string { return apitime.New(a.d.Location).Ptr(t) }
