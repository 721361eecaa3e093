package service

import (
	"errors"
	"testing"
)

// TestWrapOp: an internal failure says which operation failed; a refusal
// keeps its text, which is the answer the edges show.
func TestWrapOp(t *testing.T) {
	db := errors.New("connection reset")
	err := db
	wrapOp(&err, "Orders.Get")
	if err.Error() != "Orders.Get: connection reset" || !errors.Is(err, db) {
		t.Errorf("internal: got %v", err)
	}
	var refusal error = Conflict(CodeOrderMoved, "order X moved")
	err = refusal
	wrapOp(&err, "Orders.Advance")
	if err != refusal {
		t.Errorf("refusal changed: %v", err)
	}
	err = nil
	wrapOp(&err, "Orders.Get")
	if err != nil {
		t.Errorf("nil became %v", err)
	}
}
