package adapters

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

// StockMemoryRepository keeps products and reservations in memory (tests, local runs).
// One mutex makes every update atomic; it holds copies so callers cannot change stored
// state behind its back.
type StockMemoryRepository struct {
	mu           sync.Mutex
	products     map[string]stock.Product
	reservations map[string]stock.Reservation
}

// NewStockMemoryRepository returns an empty repository.
func NewStockMemoryRepository() *StockMemoryRepository {
	return &StockMemoryRepository{products: map[string]stock.Product{}, reservations: map[string]stock.Reservation{}}
}

var _ stock.Repository = (*StockMemoryRepository)(nil)

// AddProducts stores products whose SKU is new.
func (r *StockMemoryRepository) AddProducts(_ context.Context, products ...*stock.Product) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range products {
		if _, ok := r.products[p.SKU()]; !ok {
			r.products[p.SKU()] = *p
		}
	}
	return nil
}

// Product returns a copy of one product.
func (r *StockMemoryRepository) Product(_ context.Context, sku string) (*stock.Product, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.products[sku]
	if !ok {
		return nil, stock.ErrProductNotFound
	}
	return &p, nil
}

// Products returns copies of every product ordered by SKU.
func (r *StockMemoryRepository) Products(context.Context) ([]*stock.Product, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*stock.Product, 0, len(r.products))
	for _, p := range r.products {
		out = append(out, &p)
	}
	slices.SortFunc(out, func(a, b *stock.Product) int { return cmp.Compare(a.SKU(), b.SKU()) })
	return out, nil
}

// UpdateReservation runs fn on copies under the repository's lock and stores the result.
func (r *StockMemoryRepository) UpdateReservation(_ context.Context, id string, skus []string,
	fn func(current *stock.Reservation, products map[string]*stock.Product) (*stock.Reservation, error),
) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var current *stock.Reservation
	if stored, ok := r.reservations[id]; ok {
		current = &stored
		for _, l := range stored.Lines() {
			skus = append(skus, l.SKU)
		}
	}
	products := map[string]*stock.Product{}
	for _, sku := range skus {
		if p, ok := r.products[sku]; ok {
			products[sku] = &p
		}
	}
	next, err := fn(current, products)
	if err != nil {
		return err
	}
	if next == current {
		return nil
	}
	for _, sku := range slices.Sorted(maps.Keys(products)) {
		r.products[sku] = *products[sku]
	}
	r.reservations[id] = *next
	return nil
}
