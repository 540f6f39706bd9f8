package notification

import "context"

// DecideFunc chooses what to store for a delivered event. alreadyProcessed reports whether
// the event ID was recorded as processed before this delivery. It returns the notification
// to store, or nil to store none.
type DecideFunc func(alreadyProcessed bool) (*Notification, error)

// Repository stores notifications together with the set of processed event IDs.
type Repository interface {
	// ProcessEvent records eventID as processed and stores the notification decide returns,
	// in one transaction: either both happen or neither does. When the event was already
	// processed and decide stores nothing, the skip is counted in Stats.DuplicatesSkipped.
	// An error from decide rolls everything back and is returned.
	ProcessEvent(ctx context.Context, eventID string, decide DecideFunc) error
	// ListByOrder returns the notifications of one order, oldest first.
	ListByOrder(ctx context.Context, orderID string) ([]Notification, error)
	// Stats counts handled events and skipped duplicates.
	Stats(ctx context.Context) (Stats, error)
}
