package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

// Release gives back the stock held by ReservationID.
type Release struct {
	ReservationID string
}

// ReleaseHandler handles Release.
type ReleaseHandler struct {
	repo stock.Repository
}

// NewReleaseHandler returns a ReleaseHandler.
func NewReleaseHandler(repo stock.Repository) ReleaseHandler {
	if repo == nil {
		panic("app: NewReleaseHandler needs a repository")
	}
	return ReleaseHandler{repo: repo}
}

// Handle releases the reservation. released is false when there was nothing to release:
// never reserved (a later Reserve with the ID is then refused) or released before.
func (h ReleaseHandler) Handle(ctx context.Context, cmd Release) (released bool, err error) {
	if cmd.ReservationID == "" {
		return false, fmt.Errorf("release: %w", stock.ErrMissingReservationID)
	}
	err = h.repo.UpdateReservation(ctx, cmd.ReservationID, nil,
		func(current *stock.Reservation, products map[string]*stock.Product) (*stock.Reservation, error) {
			r, ok, err := stock.Release(current, cmd.ReservationID, products)
			released = ok
			return r, err
		})
	if err != nil {
		return false, fmt.Errorf("release %s: %w", cmd.ReservationID, err)
	}
	return released, nil
}
