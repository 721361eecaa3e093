// Package service holds orderhub's business rules: orders, reservation,
// the stage engine, transfers and stock. Plain Go in, plain Go out; errors are
// typed and unwrap to one of the kinds below, which each edge maps once.
package service

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
	"stocking_list": "备货清单",
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }
func (e *NotFoundError) Code() string  { return CodeNotFound(e.What) }

// InvalidError is bad input: Field names what was wrong.
type InvalidError struct {
	Field   string
	Message string
	code    string
}

func invalid(field, code, format string, args ...any) *InvalidError {
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

// about records what the conflict is about, for the edges' wording.
func (e *ConflictError) about(subject, state string, items ...string) *ConflictError {
	e.Subject, e.State, e.Items = subject, state, items
	return e
}

func conflict(code, format string, args ...any) *ConflictError {
	return &ConflictError{code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *ConflictError) Error() string { return e.Message }
func (e *ConflictError) Unwrap() error { return ErrConflict }
func (e *ConflictError) Code() string  { return e.code }

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

// AmbiguousStaffError: more than one staff member answers to a name;
// UserIDs are theirs, to pick one by.
type AmbiguousStaffError struct {
	Name    string
	UserIDs []string
}

func (e *AmbiguousStaffError) Error() string {
	return fmt.Sprintf("有 %d 位员工都叫 %q（%s）", len(e.UserIDs), e.Name, strings.Join(e.UserIDs, "、"))
}
func (e *AmbiguousStaffError) Unwrap() error { return ErrConflict }
func (e *AmbiguousStaffError) Code() string  { return CodeStaffAmbiguous }

// ErrorCode returns err's machine code, or "" for internal errors.
func ErrorCode(err error) string {
	var c CodedError
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}

// wrapOp names the operation on an internal failure (a database or Redis
// error) so the one log line at the edge says what failed; a refusal
// (anything of a kind above) passes unchanged, its text being the answer
// the edges show. Exported methods defer it on their named error result.
func wrapOp(err *error, op string) {
	if *err == nil || isKind(*err) {
		return
	}
	*err = fmt.Errorf("%s: %w", op, *err)
}

func isKind(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrInvalid)
}
