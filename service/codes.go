package service

// Error codes: the stable machine codes of refusals (the "code" of an API
// error body, CodedError.Code). Edges match these names, never literals, so
// renaming a code is one change here. A NotFoundError's code is its What
// plus "_not_found" (CodeNotFound builds it).
const (
	CodeAliasTaken           = "alias_taken"
	CodeAlreadyAcknowledged  = "already_acknowledged"
	CodeAlreadyCancelled     = "already_cancelled"
	CodeAlreadyDelivered     = "already_delivered"
	CodeAlreadyHandled       = "already_handled"
	CodeBelowLocked          = "below_locked"
	CodeCustomerExists       = "customer_exists"
	CodeForbidden            = "forbidden"
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodeInactiveSKU          = "inactive_sku"
	CodeInsufficientStock    = "insufficient_stock"
	CodeInvalidDelta         = "invalid_delta"
	CodeInvalidEvent         = "invalid_event"
	CodeInvalidEvents        = "invalid_events"
	CodeInvalidField         = "invalid_field"
	CodeInvalidKey           = "invalid_key"
	CodeInvalidKind          = "invalid_kind"
	CodeInvalidPrice         = "invalid_price"
	CodeInvalidQty           = "invalid_qty"
	CodeInvalidSKU           = "invalid_sku"
	CodeInvalidState         = "invalid_state"
	CodeInvalidStatus        = "invalid_status"
	CodeInvalidTime          = "invalid_time"
	CodeInvalidTransition    = "invalid_transition"
	CodeMissingFields        = "missing_fields"
	CodeNoLines              = "no_lines"
	CodeNoWarehouses         = "no_warehouses"
	CodeNotCancellable       = "not_cancellable"
	CodeNotResolved          = "not_resolved"
	CodeNotShipped           = "not_shipped"
	CodeOrderCancelled       = "order_cancelled"
	CodeOrderMoved           = "order_moved"
	CodeOutOfRange           = "out_of_range"
	CodeRequired             = "required"
	CodeSkuExists            = "sku_exists"
	CodeStaffExists          = "staff_exists"
	CodeStockChanged         = "stock_changed"
	CodeTicketDone           = "ticket_done"
	CodeTooLong              = "too_long"
	CodeTooManyFields        = "too_many_fields"
	CodeTooManyLines         = "too_many_lines"
	CodeTransferNotPending   = "transfer_not_pending"
	CodeTransfersPending     = "transfers_pending"
	CodeUndeliverable        = "undeliverable"
	CodeUnknownCustomer      = "unknown_customer"
	CodeUnknownRole          = "unknown_role"
	CodeUnknownSKU           = "unknown_sku"
	CodeUnknownStaff         = "unknown_staff"
	CodeUnknownStage         = "unknown_stage"
	CodeUnknownWarehouse     = "unknown_warehouse"
	CodeWarehouseExists      = "warehouse_exists"
)

// CodeNotFound is the code of a NotFoundError for what ("order" →
// "order_not_found").
func CodeNotFound(what string) string { return what + "_not_found" }
