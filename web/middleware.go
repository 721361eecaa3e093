package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"orderhub/internal/reqlog"
)

// requestID takes X-Request-ID from the client (or makes one), puts it in
// the request's context for every log line, and echoes it back.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Request = c.Request.WithContext(reqlog.WithID(c.Request.Context(), id))
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		log.Log(c, level, "http", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
			"ms", time.Since(start).Milliseconds(), "ip", c.ClientIP())
	}
}

func (s *Server) recover() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.d.Log.ErrorContext(c.Request.Context(), "panic", "panic", r, "path", c.Request.URL.Path)
				writeErr(c, http.StatusInternalServerError, "internal", "服务器内部错误（请求编号 "+reqlog.ID(c)+"）")
				c.Abort()
			}
		}()
		c.Next()
	}
}

// problemPhotoUpload: POST /api/mp/v1/orders/<no>/problems/<ticket>/photos.
func problemPhotoUpload(c *gin.Context) bool {
	p := c.Request.URL.Path
	return c.Request.Method == http.MethodPost && strings.HasPrefix(p, "/api/mp/v1/orders/") && strings.HasSuffix(p, "/photos") &&
		strings.Count(p, "/") == 8 && strings.Contains(p, "/problems/")
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/v1/imports/") || problemPhotoUpload(c) {
			// Spreadsheet uploads and buyers' problem photos are bigger;
			// their handlers cap them themselves (MaxImportBody,
			// miniprogram.MaxPhotoBytes).
			c.Next()
			return
		}
		limit := n
		if waybillUpload(c) {
			// A waybill photo (the staff API's upload, the board's advance
			// form), whose form the CSRF check may read before the handler.
			limit = MaxWaybillBytes + 64<<10
		}
		if c.Request.ContentLength > limit {
			writeErr(c, http.StatusRequestEntityTooLarge, "body_too_large", "请求体超过 "+strconv.FormatInt(limit, 10)+" 字节")
			c.Abort()
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// Auth is the admin bearer token check, for groups that also take another
// credential (the board's session).
func (s *Server) Auth(c *gin.Context) { s.auth(c) }

// auth guards the staff API with the admin bearer token.
func (s *Server) auth(c *gin.Context) {
	if !s.isAdmin(c) {
		c.Header("WWW-Authenticate", `Bearer realm="orderhub"`)
		writeErr(c, http.StatusUnauthorized, "unauthorized", "请带上 Authorization: Bearer <ORDERHUB_ADMIN_TOKEN>")
		c.Abort()
		return
	}
	c.Next()
}

// isAdmin is whether the request carries the admin token.
func (s *Server) isAdmin(c *gin.Context) bool {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.d.AdminToken)) == 1
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "orderhub_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.duration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
	}
}
