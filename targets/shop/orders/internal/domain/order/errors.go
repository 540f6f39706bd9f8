package order

import "errors"

// Sentinel errors of the order domain. Callers test them with errors.Is; only the
// ports layer turns them into transport status codes.
var (
	// ErrNotFound: no order with that ID or idempotency key.
	ErrNotFound = errors.New("order not found")
	// ErrInvalidOrder: the order request breaks a rule of the order itself (no lines,
	// non-positive quantity, missing customer, ...). Errors wrapping it say which rule.
	ErrInvalidOrder = errors.New("invalid order")
	// ErrInvalidTransition: the order is not in a state that allows the change.
	ErrInvalidTransition = errors.New("invalid order transition")
	// ErrConcurrentUpdate: the stored order changed since it was loaded (optimistic lock).
	ErrConcurrentUpdate = errors.New("order changed concurrently")
	// ErrProductNotFound: an order line names a SKU that inventory does not know.
	ErrProductNotFound = errors.New("product not found")
	// ErrCurrencyMismatch: the requested currency differs from the products' currency.
	ErrCurrencyMismatch = errors.New("currency mismatch")
	// ErrInsufficientStock: inventory refused the reservation (business failure).
	ErrInsufficientStock = errors.New("insufficient stock")
	// ErrPaymentDeclined: payments refused the charge (business failure).
	ErrPaymentDeclined = errors.New("payment declined")
)
