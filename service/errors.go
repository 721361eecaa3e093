// Package service holds orderhub's business rules: orders, reservation,
// the stage engine, transfers and stock. Plain Go in, plain Go out; errors are
// typed and unwrap to one of the kinds of service/kernel, which each edge
// maps once. The refusals below belong to rooms still in this package.
package service

import (
	"fmt"
	"strings"

	"orderhub/service/kernel"
)

// Shortage is one SKU an order wants more of than all warehouses have.
type Shortage struct {
	SKU       string
	Want      int64
	Available int64
}

// ShortError refuses an order that stock cannot cover; nothing was locked.
type ShortError struct {
	Lines []Shortage
}

func (e *ShortError) Error() string {
	parts := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		parts[i] = fmt.Sprintf("%s 需要 %d，可用 %d", l.SKU, l.Want, l.Available)
	}
	return "库存不足：" + strings.Join(parts, "；")
}
func (e *ShortError) Unwrap() error { return ErrConflict }
func (e *ShortError) Code() string  { return CodeInsufficientStock }

// MissingFieldsError refuses a stage change that lacks required fields.
type MissingFieldsError struct {
	Stage  string
	Fields []string
	// Proposal is the promised time orderhub proposes when promised_at is
	// among Fields (nil otherwise, or without the history to propose).
	Proposal *Proposal
}

func (e *MissingFieldsError) Error() string {
	return fmt.Sprintf("阶段 %s 需要填写 %s", e.Stage, strings.Join(e.Fields, "、"))
}
func (e *MissingFieldsError) Unwrap() error { return ErrInvalid }
func (e *MissingFieldsError) Code() string  { return CodeMissingFields }

// TransitionError refuses a move the pipeline does not allow.
type TransitionError struct {
	From, To string
	Allowed  []string
}

func (e *TransitionError) Error() string {
	if len(e.Allowed) == 0 {
		return fmt.Sprintf("订单在阶段 %s，不能再推进", e.From)
	}
	return fmt.Sprintf("订单在阶段 %s，不能推进到 %s；可以推进到 %s", e.From, e.To, strings.Join(e.Allowed, " 或 "))
}
func (e *TransitionError) Unwrap() error { return ErrConflict }
func (e *TransitionError) Code() string  { return CodeInvalidTransition }

// ConflictError is the kernel's refusal of what the current state does
// not allow (kernel.ConflictError), under its name in the root.
type ConflictError = kernel.ConflictError

// conflictDraft is a conflict still to say what it is about: the form
// conflict(…).about(subject, state) the root files use.
type conflictDraft struct{ e *ConflictError }

func conflict(code, format string, args ...any) conflictDraft {
	return conflictDraft{kernel.Conflict(code, format, args...)}
}

// about records what the conflict is about, for the edges' wording.
func (d conflictDraft) about(subject, state string, items ...string) *ConflictError {
	return d.e.About(subject, state, items...)
}

// Conflict refuses what the current state does not allow, with its code
// (kernel.Conflict); for a conflict about nothing in particular.
func Conflict(code, format string, args ...any) *ConflictError {
	return kernel.Conflict(code, format, args...)
}
