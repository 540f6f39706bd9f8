package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

// Reserve holds Lines for ReservationID (the order ID), all or nothing.
type Reserve struct {
	ReservationID string
	Lines         []stock.Line
}

// ReserveHandler handles Reserve.
type ReserveHandler struct {
	repo stock.Repository
}

// NewReserveHandler returns a ReserveHandler.
func NewReserveHandler(repo stock.Repository) ReserveHandler {
	if repo == nil {
		panic("app: NewReserveHandler needs a repository")
	}
	return ReserveHandler{repo: repo}
}

// Handle reserves the lines. Repeating it with the same ID and lines succeeds without
// reserving again; see stock.Reserve for the errors.
func (h ReserveHandler) Handle(ctx context.Context, cmd Reserve) (*stock.Reservation, error) {
	if cmd.ReservationID == "" {
		return nil, fmt.Errorf("reserve: %w", stock.ErrMissingReservationID)
	}
	lines, err := stock.NormalizeLines(cmd.Lines)
	if err != nil {
		return nil, fmt.Errorf("reserve %s: %w", cmd.ReservationID, err)
	}
	var reserved *stock.Reservation
	err = h.repo.UpdateReservation(ctx, cmd.ReservationID, stock.SKUs(lines),
		func(current *stock.Reservation, products map[string]*stock.Product) (*stock.Reservation, error) {
			r, err := stock.Reserve(current, cmd.ReservationID, lines, products)
			reserved = r
			return r, err
		})
	if err != nil {
		return nil, fmt.Errorf("reserve %s: %w", cmd.ReservationID, err)
	}
	return reserved, nil
}
