// Package kernel is what every room of service/ stands on: the error kinds
// and typed refusals with their codes, the actor and its roles, the clock,
// the transaction helper, the one way into the outbox, locks and loops. It
// imports no room.
package kernel

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Every error service returns unwraps to one of these or is an
// internal failure.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
	ErrInvalid   = errors.New("invalid")
)

// CodedError is an error with a stable machine code for API clients.
type CodedError interface {
	error
	Code() string
}

// NotFoundError says which thing was not found.
type NotFoundError struct {
	What string // "order", "product", ...
	Key  string
}

func (e *NotFoundError) Error() string {
	what := whatZh[e.What]
	if what == "" {
		what = e.What
	}
	if e.Key == "" {
		return "找不到" + what
	}
	return fmt.Sprintf("找不到%s %q", what, e.Key)
}

// whatZh names the things NotFoundError is about as people read them; the
// English What stays in the code (order_not_found).
var whatZh = map[string]string{
	"order": "订单", "product": "商品", "product alias": "商品别名", "warehouse": "仓库", "customer": "客户",
	"staff": "员工", "buyer": "买家", "transfer": "调拨单", "ticket": "工单", "intake": "来单",
	"channel": "渠道", "draft": "草稿", "import kind": "导入种类", "message": "消息", "tracking_link": "跟踪链接",
	"stocking_list": "备货清单", "link_request": "关联申请",
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }
func (e *NotFoundError) Code() string  { return CodeNotFound(e.What) }

// InvalidError is bad input: Field names what was wrong.
type InvalidError struct {
	Field   string
	Message string
	code    string
}

// Invalid is a refusal of bad input in field, with its code.
func Invalid(field, code, format string, args ...any) *InvalidError {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...), code: code}
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}
func (e *InvalidError) Unwrap() error { return ErrInvalid }
func (e *InvalidError) Code() string {
	if e.code == "" {
		return "invalid"
	}
	return e.code
}

// ForbiddenError says which role would have been needed.
type ForbiddenError struct {
	Actor string
	Need  []string
	What  string
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s 无权%s（需要角色 %s）", e.Actor, e.What, strings.Join(e.Need, " 或 "))
}
func (e *ForbiddenError) Unwrap() error { return ErrForbidden }
func (e *ForbiddenError) Code() string  { return CodeForbidden }

// ErrorCode returns err's machine code, or "" for internal errors.
func ErrorCode(err error) string {
	var c CodedError
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}

// WrapOp names the operation on an internal failure (a database or Redis
// error) so the one log line at the edge says what failed; a refusal
// (anything of a kind above) passes unchanged, its text being the answer
// the edges show. Exported methods defer it on their named error result.
func WrapOp(err *error, op string) {
	if *err == nil || IsKind(*err) {
		return
	}
	*err = fmt.Errorf("%s: %w", op, *err)
}

// IsKind reports whether err is a refusal (unwraps to one of the kinds).
func IsKind(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrInvalid)
}

// ConflictError is a state conflict with a code and message. Subject,
// State and Items carry what an edge needs to say it in its own words
// (chat and the mini-program in Chinese) without reading Message.
type ConflictError struct {
	code    string
	Message string
	// Subject is the order, ticket or transfer refused ("SO…", "TK…", "#12").
	Subject string
	// State is the subject's state as people name it (a stage name, or a
	// ticket or transfer status key).
	State string
	// Items lists related things (the transfers an order waits for).
	Items []string
}

// Conflict refuses what the current state does not allow, with its code.
func Conflict(code, format string, args ...any) *ConflictError {
	return &ConflictError{code: code, Message: fmt.Sprintf(format, args...)}
}

// About records what the conflict is about, for the edges' wording.
func (e *ConflictError) About(subject, state string, items ...string) *ConflictError {
	e.Subject, e.State, e.Items = subject, state, items
	return e
}

func (e *ConflictError) Error() string { return e.Message }
func (e *ConflictError) Unwrap() error { return ErrConflict }
func (e *ConflictError) Code() string  { return e.code }
