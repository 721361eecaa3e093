package apierror

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// Both edges answer an error through Fail: the field at fault, the short
// stock, and for an error service does not know, 500 without its text.
func TestFail(t *testing.T) {
	gin.SetMode(gin.TestMode)
	for _, tc := range []struct {
		name   string
		err    error
		status int
		check  func(t *testing.T, d Detail)
	}{
		{"invalid names its field", &service.InvalidError{Field: "qty", Message: "数量须大于 0"}, http.StatusUnprocessableEntity, func(t *testing.T, d Detail) {
			if d.Field != "qty" || d.Message == "" {
				t.Errorf("detail %+v, want field qty and a message", d)
			}
		}},
		{"short stock lists what there is", &service.ShortError{Lines: []service.Shortage{{SKU: "BOLT", Want: 5, Available: 2}}}, http.StatusConflict, func(t *testing.T, d Detail) {
			if len(d.Available) != 1 || d.Available[0] != (Shortage{SKU: "BOLT", Want: 5, Available: 2}) {
				t.Errorf("available %+v", d.Available)
			}
		}},
		{"unknown errors are hidden", errors.New("dial tcp 10.0.0.5:3306: secret detail"), http.StatusInternalServerError, func(t *testing.T, d Detail) {
			if d.Code != "internal" || strings.Contains(d.Message, "10.0.0.5") {
				t.Errorf("detail %+v, want internal and no driver text", d)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
			Fail(c, slog.New(slog.NewTextHandler(io.Discard, nil)), tc.err)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			var b Body
			if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			tc.check(t, b.Error)
		})
	}
}
