package web

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apierror"
)

// writeErr answers a refusal web words itself.
func writeErr(c *gin.Context, status int, code, msg string) { apierror.Write(c, status, code, msg) }

// fail maps any error to a status and a JSON body, once, here.
func (s *Server) fail(c *gin.Context, err error) { apierror.Fail(c, s.d.Log, err) }

// fail maps any error to a status and a JSON body (apierror: the same
// answer as the mini-program's). Errors service does not know are logged
// in full and answered without detail.
func fail(c *gin.Context, log *slog.Logger, err error) { apierror.Fail(c, log, err) }

// bind decodes a JSON body into v (apierror.Bind). It answers 400 itself
// and returns false on bad input.
func bind(c *gin.Context, v any) bool { return apierror.Bind(c, v, false) }
