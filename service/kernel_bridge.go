package service

// This file is a bridge while the rooms move out of this package: the
// kernel's names (service/kernel) under the names root files and the edges
// used before it existed, so they compile unchanged. Each name goes as the
// last root file or edge using it moves to its room and imports the kernel
// itself; the file goes with the last one.

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/kernel"
)

// Types of the kernel.
type (
	Actor              = kernel.Actor
	CodedError         = kernel.CodedError
	NotFoundError      = kernel.NotFoundError
	InvalidError       = kernel.InvalidError
	ForbiddenError     = kernel.ForbiddenError
	Locker             = kernel.Locker
	Message            = kernel.Message
	Outgoing           = kernel.Outgoing
	Receipt            = kernel.Receipt
	Sender             = kernel.Sender
	UndeliverableError = kernel.UndeliverableError
	Clock              = kernel.Clock
)

// Constants of the kernel: the codes table, actor kinds, the WeCom outbox channel.
const (
	ActorAdmin               = kernel.ActorAdmin
	ActorStaff               = kernel.ActorStaff
	ActorCustomer            = kernel.ActorCustomer
	ActorSystem              = kernel.ActorSystem
	MaxLabel                 = kernel.MaxLabel
	CodeAliasTaken           = kernel.CodeAliasTaken
	CodeAlreadyAcknowledged  = kernel.CodeAlreadyAcknowledged
	CodeAlreadyCancelled     = kernel.CodeAlreadyCancelled
	CodeAlreadyDelivered     = kernel.CodeAlreadyDelivered
	CodeAlreadyHandled       = kernel.CodeAlreadyHandled
	CodeBelowLocked          = kernel.CodeBelowLocked
	CodeCustomerExists       = kernel.CodeCustomerExists
	CodeDirectoryTooSmall    = kernel.CodeDirectoryTooSmall
	CodeExternalIDReused     = kernel.CodeExternalIDReused
	CodeForbidden            = kernel.CodeForbidden
	CodeIdempotencyKeyReused = kernel.CodeIdempotencyKeyReused
	CodeInactiveSKU          = kernel.CodeInactiveSKU
	CodeInsufficientStock    = kernel.CodeInsufficientStock
	CodeIntakeNotInReview    = kernel.CodeIntakeNotInReview
	CodeInvalidChannel       = kernel.CodeInvalidChannel
	CodeInvalidDate          = kernel.CodeInvalidDate
	CodeInvalidDelta         = kernel.CodeInvalidDelta
	CodeInvalidEvent         = kernel.CodeInvalidEvent
	CodeInvalidEvents        = kernel.CodeInvalidEvents
	CodeInvalidField         = kernel.CodeInvalidField
	CodeInvalidKey           = kernel.CodeInvalidKey
	CodeInvalidKind          = kernel.CodeInvalidKind
	CodeInvalidPrice         = kernel.CodeInvalidPrice
	CodeInvalidQty           = kernel.CodeInvalidQty
	CodeInvalidRange         = kernel.CodeInvalidRange
	CodeInvalidRows          = kernel.CodeInvalidRows
	CodeInvalidSKU           = kernel.CodeInvalidSKU
	CodeInvalidState         = kernel.CodeInvalidState
	CodeInvalidStatus        = kernel.CodeInvalidStatus
	CodeInvalidTime          = kernel.CodeInvalidTime
	CodeInvalidTransition    = kernel.CodeInvalidTransition
	CodeInvalidType          = kernel.CodeInvalidType
	CodeMalformedJSON        = kernel.CodeMalformedJSON
	CodeMissingFields        = kernel.CodeMissingFields
	CodeNoLines              = kernel.CodeNoLines
	CodeNoWarehouses         = kernel.CodeNoWarehouses
	CodeNotCancellable       = kernel.CodeNotCancellable
	CodeNotResolved          = kernel.CodeNotResolved
	CodeNotShipped           = kernel.CodeNotShipped
	CodeOrderCancelled       = kernel.CodeOrderCancelled
	CodeOrderMoved           = kernel.CodeOrderMoved
	CodeOutOfRange           = kernel.CodeOutOfRange
	CodeQuickEntryNoQty      = kernel.CodeQuickEntryNoQty
	CodeQuickEntryQty        = kernel.CodeQuickEntryQty
	CodeQuickEntryQtyAlone   = kernel.CodeQuickEntryQtyAlone
	CodeQuickEntryShort      = kernel.CodeQuickEntryShort
	CodeRangeTooLong         = kernel.CodeRangeTooLong
	CodeRequired             = kernel.CodeRequired
	CodeSKUExists            = kernel.CodeSKUExists
	CodeStaffAmbiguous       = kernel.CodeStaffAmbiguous
	CodeStaffExists          = kernel.CodeStaffExists
	CodeStockChanged         = kernel.CodeStockChanged
	CodeStockingOrdered      = kernel.CodeStockingOrdered
	CodeNotOnList            = kernel.CodeNotOnList
	CodeTicketDone           = kernel.CodeTicketDone
	CodeTooLong              = kernel.CodeTooLong
	CodeTooManyFields        = kernel.CodeTooManyFields
	CodeTooManyLines         = kernel.CodeTooManyLines
	CodeTransferDispatched   = kernel.CodeTransferDispatched
	CodeTransferNotPending   = kernel.CodeTransferNotPending
	CodeTransfersPending     = kernel.CodeTransfersPending
	CodeUndeliverable        = kernel.CodeUndeliverable
	CodeUnknownCustomer      = kernel.CodeUnknownCustomer
	CodeAddressRequired      = kernel.CodeAddressRequired
	CodeUnknownRole          = kernel.CodeUnknownRole
	CodeUnknownSKU           = kernel.CodeUnknownSKU
	CodeUnknownStaff         = kernel.CodeUnknownStaff
	CodeUnknownStage         = kernel.CodeUnknownStage
	CodeUnknownState         = kernel.CodeUnknownState
	CodeUnknownWarehouse     = kernel.CodeUnknownWarehouse
	CodeUnreadableFile       = kernel.CodeUnreadableFile
	CodeWarehouseExists      = kernel.CodeWarehouseExists
	ChannelOutboxWeCom       = kernel.ChannelOutboxWeCom
	CodePhotoTooLarge        = kernel.CodePhotoTooLarge
	CodePhotoNotImage        = kernel.CodePhotoNotImage
	CodePhotoNotUploaded     = kernel.CodePhotoNotUploaded
	CodePromiseInPast        = kernel.CodePromiseInPast
	CodeNotPractising        = kernel.CodeNotPractising
	CodeNoPastOrders         = kernel.CodeNoPastOrders
	CodeFileTooLarge         = kernel.CodeFileTooLarge
	CodeTooManyRows          = kernel.CodeTooManyRows
	CodeCellTooLarge         = kernel.CodeCellTooLarge
	CodeBadEncoding          = kernel.CodeBadEncoding
	CodeSignatureMissing     = kernel.CodeSignatureMissing
	CodeBadTimestamp         = kernel.CodeBadTimestamp
	CodeStaleTimestamp       = kernel.CodeStaleTimestamp
	CodeBadSignature         = kernel.CodeBadSignature
	CodeDraftExpired         = kernel.CodeDraftExpired
	CodeDraftIncomplete      = kernel.CodeDraftIncomplete
	MaxPage                  = kernel.MaxPage
	CodeAlreadyLinked        = kernel.CodeAlreadyLinked
	CodeLinkRequestOpen      = kernel.CodeLinkRequestOpen
	CodeLinkRequestDecided   = kernel.CodeLinkRequestDecided
)

// Values of the kernel.
var (
	Admin        = kernel.Admin
	System       = kernel.System
	ErrNotFound  = kernel.ErrNotFound
	ErrConflict  = kernel.ErrConflict
	ErrForbidden = kernel.ErrForbidden
	ErrInvalid   = kernel.ErrInvalid
)

// Exported functions of the kernel, for the edges.

// SplitRoles reads roles stored by joinRoles.
func SplitRoles(s string) []string { return kernel.SplitRoles(s) }

// CodeNotFound is the code of a NotFoundError for what.
func CodeNotFound(what string) string { return kernel.CodeNotFound(what) }

// ErrorCode returns err's machine code, or "" for internal errors.
func ErrorCode(err error) string { return kernel.ErrorCode(err) }

// Text is a plain text message.
func Text(content string, to ...string) Message { return kernel.Text(content, to...) }

// Markdown is a WeCom markdown message.
func Markdown(content string, to ...string) Message { return kernel.Markdown(content, to...) }

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return kernel.SystemClock() }

// IsPermanent reports a database refusal no retry can fix (model.Permanent).
func IsPermanent(err error) bool { return model.Permanent(err) }

// The kernel's helpers under their names in root files.

func invalid(field, code, format string, args ...any) *InvalidError {
	return kernel.Invalid(field, code, format, args...)
}
func wrapOp(err *error, op string)                    { kernel.WrapOp(err, op) }
func isKind(err error) bool                           { return kernel.IsKind(err) }
func joinRoles(roles []string) string                 { return kernel.JoinRoles(roles) }
func roleLike(role string) string                     { return kernel.RoleLike(role) }
func dedupe(ids []string) []string                    { return kernel.Dedupe(ids) }
func randomToken() string                             { return kernel.RandomToken() }
func trunc(s string, n int) string                    { return kernel.Trunc(s, n) }
func forUpdate(tx *gorm.DB) *gorm.DB                  { return kernel.ForUpdate(tx) }
func isDuplicate(err error) bool                      { return kernel.IsDuplicate(err) }
func notFound(err error, what, key string) error      { return kernel.NotFound(err, what, key) }
func takeOptional(q *gorm.DB, dest any) (bool, error) { return kernel.TakeOptional(q, dest) }
func pageBounds(page, size int) (int, int)            { return kernel.PageBounds(page, size) }
func escapeLike(s string) string                      { return kernel.EscapeLike(s) }
func checkText(field, v string, max int, required bool) error {
	return kernel.CheckText(field, v, max, required)
}
func pendingOf(ctx context.Context) *kernel.ReplySlot { return kernel.ReplySlotOf(ctx) }

func inTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return kernel.InTx(ctx, db, fn)
}

func everyTick(ctx context.Context, period time.Duration, log *slog.Logger, what string, step func()) {
	kernel.EveryTick(ctx, period, log, what, step)
}

func enqueue(tx *gorm.DB, now time.Time, inboundID uint64, msgs []Message) error {
	return kernel.Enqueue(tx, now, inboundID, msgs)
}

func enqueueOne(tx *gorm.DB, now time.Time, inboundID uint64, m Message) (model.Outbox, error) {
	return kernel.EnqueueOne(tx, now, inboundID, m)
}

var errUnfinished = kernel.ErrUnfinished
