package stock

import "context"

// Repository stores products and reservations.
type Repository interface {
	// AddProducts stores products whose SKU is not stored yet and leaves stored ones as
	// they are, so seeding at every start keeps the stock of earlier runs.
	AddProducts(ctx context.Context, products ...*Product) error
	// Product returns the product with the SKU, or ErrProductNotFound.
	Product(ctx context.Context, sku string) (*Product, error)
	// Products returns every product ordered by SKU.
	Products(ctx context.Context) ([]*Product, error)
	// UpdateReservation runs fn atomically and serialised per reservation ID, with the
	// stored reservation (nil if none) and the products of skus plus those of the stored
	// reservation's lines, all locked. If fn returns nil, the reservation it returns and
	// every product it was given are stored; otherwise nothing is.
	UpdateReservation(ctx context.Context, id string, skus []string,
		fn func(current *Reservation, products map[string]*Product) (*Reservation, error)) error
}
