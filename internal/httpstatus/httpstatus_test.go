package httpstatus_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"orderhub/internal/httpstatus"
	"orderhub/service"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"not found", &service.NotFoundError{What: "order", Key: "X"}, http.StatusNotFound},
		{"invalid", &service.InvalidError{Field: "qty", Message: "must be > 0"}, http.StatusUnprocessableEntity},
		{"missing fields", &service.MissingFieldsError{Stage: "qc"}, http.StatusUnprocessableEntity},
		{"forbidden", &service.ForbiddenError{Actor: "u"}, http.StatusForbidden},
		{"short", &service.ShortError{}, http.StatusConflict},
		{"wrapped conflict", fmt.Errorf("advance: %w", &service.TransitionError{From: "a"}), http.StatusConflict},
		{"internal", errors.New("disk full"), http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := httpstatus.Of(tc.err); got != tc.want {
				t.Errorf("Of(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
