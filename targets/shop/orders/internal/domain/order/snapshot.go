package order

import (
	"fmt"
	"time"
)

// Snapshot is the stored form of an order, for repositories only.
type Snapshot struct {
	ID                 string
	IdempotencyKey     string
	CustomerID         string
	Currency           string
	Lines              []Line
	TotalCents         int64
	Status             Status
	CancellationReason string
	Steps              []StepRecord
	Compensating       bool
	FailureReason      string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int64
}

// Snapshot returns the stored form of the order (without unstored events).
func (o *Order) Snapshot() Snapshot {
	return Snapshot{
		ID:                 o.id,
		IdempotencyKey:     o.idempotencyKey,
		CustomerID:         o.customerID,
		Currency:           o.currency,
		Lines:              o.Lines(),
		TotalCents:         o.totalCents,
		Status:             o.status,
		CancellationReason: o.cancellationReason,
		Steps:              o.StepRecords(),
		Compensating:       o.compensating,
		FailureReason:      o.failureReason,
		CreatedAt:          o.createdAt,
		UpdatedAt:          o.updatedAt,
		Version:            o.version,
	}
}

// FromSnapshot rebuilds an order a repository read back. It rejects data no sequence of
// order methods can produce, so a corrupted row is an error instead of a wrong saga.
func FromSnapshot(s Snapshot) (*Order, error) {
	switch s.Status {
	case StatusPending, StatusConfirmed, StatusCancelled:
	default:
		return nil, fmt.Errorf("order %s: unknown status %q", s.ID, s.Status)
	}
	if s.ID == "" || s.IdempotencyKey == "" {
		return nil, fmt.Errorf("order %q: missing id or idempotency key", s.ID)
	}
	if err := CheckLines(s.Lines); err != nil {
		return nil, fmt.Errorf("order %s: %w", s.ID, err)
	}
	for _, r := range s.Steps {
		if !knownStep(r.Step) {
			return nil, fmt.Errorf("order %s: unknown saga step %q", s.ID, r.Step)
		}
		switch r.State {
		case StepStarted, StepDone, StepRejected, StepCompensated:
		default:
			return nil, fmt.Errorf("order %s: step %s: unknown state %q", s.ID, r.Step, r.State)
		}
	}
	steps := make([]StepRecord, 0, len(s.Steps))
	for _, r := range s.Steps {
		r.UpdatedAt = normalize(r.UpdatedAt)
		steps = append(steps, r)
	}
	return &Order{
		id:                 s.ID,
		idempotencyKey:     s.IdempotencyKey,
		customerID:         s.CustomerID,
		currency:           s.Currency,
		lines:              append([]Line(nil), s.Lines...),
		totalCents:         s.TotalCents,
		status:             s.Status,
		cancellationReason: s.CancellationReason,
		steps:              steps,
		compensating:       s.Compensating,
		failureReason:      s.FailureReason,
		createdAt:          normalize(s.CreatedAt),
		updatedAt:          normalize(s.UpdatedAt),
		version:            s.Version,
	}, nil
}
