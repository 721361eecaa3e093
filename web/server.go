// Package web is the staff JSON API, health and metrics endpoints, and the
// HTTP server the other edges (bot, miniprogram) mount their routes on.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"orderhub/service"
	"orderhub/service/catalog"
)

// MaxBody caps every request body; WeCom callbacks and API calls are far
// smaller, so anything bigger is a mistake or an attack.
const MaxBody = 1 << 20

// Deps is what the staff API needs.
type Deps struct {
	Catalog    *catalog.Catalog
	Stock      *service.Stock
	Orders     *service.Orders
	Transfers  *service.Transfers
	AdminToken string
	Location   *time.Location
	Log        *slog.Logger
	// Registry collects request metrics and serves /metrics.
	Registry *prometheus.Registry
	// Ready reports whether the database and Redis answer.
	Ready func(ctx context.Context) error
	// TrustedProxies may set a client's address by X-Forwarded-For
	// (config trusted_proxies); nil trusts none.
	TrustedProxies []string
	// DataDir keeps the waybill photos uploaded through the API (under
	// waybills/, as chat's); "" refuses uploads (503).
	DataDir string
}

// Server is the HTTP server of one orderhub process.
type Server struct {
	engine *gin.Engine
	d      Deps
	// Set by MountIntake; dataDir from Deps, or MountIntake's.
	intakes *service.Intakes
	dataDir string
}

// New builds the router with every staff API route.
func New(d Deps) *Server {
	if d.Catalog == nil || d.Stock == nil || d.Orders == nil || d.Transfers == nil || d.Log == nil || d.Registry == nil || d.Ready == nil || d.Location == nil {
		panic("web: New: missing dependency")
	}
	if d.AdminToken == "" {
		panic("web: New: empty admin token")
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// gin trusts every proxy by default: anyone could then choose the
	// address the login limit counts by sending X-Forwarded-For.
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		panic("web: New: trusted proxies: " + err.Error())
	}
	e.ContextWithFallback = true
	e.HandleMethodNotAllowed = true
	s := &Server{engine: e, d: d, dataDir: d.DataDir}
	m := newHTTPMetrics(d.Registry)
	e.Use(requestID(), s.recover(), m.observe(), accessLog(d.Log), limitBody(MaxBody))
	e.NoRoute(func(c *gin.Context) { writeErr(c, http.StatusNotFound, "not_found", "没有这个接口") })
	e.NoMethod(func(c *gin.Context) {
		writeErr(c, http.StatusMethodNotAllowed, "method_not_allowed", "这个接口不支持该请求方法")
	})

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))

	api := e.Group("/api/v1", s.auth)
	api.GET("/warehouses", s.listWarehouses)
	api.GET("/products", s.listProducts)
	api.POST("/products", s.createProduct)
	api.GET("/stock", s.listStock)
	api.POST("/stock/adjust", s.adjustStock)
	api.POST("/staff", s.createStaff)
	api.POST("/customers", s.createCustomer)
	api.GET("/orders", s.listOrders)
	api.POST("/orders", s.createOrder)
	api.GET("/orders/:no", s.getOrder)
	api.GET("/orders/:no/promise", s.proposePromise)
	api.POST("/orders/:no/cancel", s.cancelOrder)
	api.POST("/orders/:no/advance", s.advanceOrder)
	api.POST("/orders/:no/waybill_photo", s.uploadWaybill)
	api.GET("/transfers", s.listTransfers)
	api.POST("/transfers/:id/dispatch", s.dispatchTransfer)
	api.POST("/transfers/:id/receive", s.receiveTransfer)
	return s
}

// Engine is the router, for the other edges to mount their routes on.
func (s *Server) Engine() *gin.Engine { return s.engine }

// Handler serves every route.
func (s *Server) Handler() http.Handler { return s.engine }

// Staff returns the routes group guarded by the admin token, for other
// edges' staff endpoints.
func (s *Server) Staff() *gin.RouterGroup { return s.engine.Group("/api/v1", s.auth) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.d.Ready(ctx); err != nil {
		s.d.Log.WarnContext(c.Request.Context(), "not ready", "err", err)
		// Anyone may ask (load balancers do): only the admin token sees
		// why, since the cause names the database and the driver.
		msg := "未就绪（原因见日志，或带上 Authorization: Bearer <ORDERHUB_ADMIN_TOKEN> 再问）"
		if s.isAdmin(c) {
			msg = "未就绪：" + err.Error()
		}
		writeErr(c, http.StatusServiceUnavailable, "not_ready", msg)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
