// Package httpstatus is the one table from service's error kinds to HTTP
// statuses, shared by every HTTP edge (web, miniprogram) so that the same
// refusal answers the same status wherever it is asked. It imports service
// and net/http only; the edges import it, never each other.
package httpstatus

import (
	"errors"
	"net/http"

	"orderhub/service"
)

// kinds is the table, most specific first.
var kinds = []struct {
	kind   error
	status int
}{
	{service.ErrNotFound, http.StatusNotFound},
	{service.ErrInvalid, http.StatusUnprocessableEntity},
	{service.ErrForbidden, http.StatusForbidden},
	{service.ErrConflict, http.StatusConflict},
	{service.ErrUnauthenticated, http.StatusUnauthorized},
}

// Of returns the status for err: its kind's status, or 500 for an error
// service does not know (which the edge logs in full and hides).
func Of(err error) int {
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			return k.status
		}
	}
	return http.StatusInternalServerError
}
