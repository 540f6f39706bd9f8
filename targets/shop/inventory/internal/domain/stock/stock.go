// Package stock is the inventory domain: stock per SKU and reservations against it.
// Stock is conserved: available + reserved = initial for every product, always.
// A reservation is all-or-nothing and idempotent by its ID; releasing it is idempotent too.
package stock

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// Sentinel errors. Callers test them with errors.Is; only the gRPC port maps them to codes.
var (
	ErrProductNotFound      = errors.New("product not found")
	ErrInsufficientStock    = errors.New("insufficient stock")
	ErrInvalidProduct       = errors.New("invalid product")
	ErrInvalidQuantity      = errors.New("quantity must be positive")
	ErrEmptyReservation     = errors.New("reservation has no lines")
	ErrMissingReservationID = errors.New("reservation id is required")
	ErrMissingSKU           = errors.New("sku is required")
	ErrReservationConflict  = errors.New("reservation id already used for different lines")
	ErrReservationReleased  = errors.New("reservation already released")
	ErrStockNotConserved    = errors.New("stock not conserved")
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Product is the stock of one SKU.
type Product struct {
	sku        string
	name       string
	priceCents int64
	currency   string
	initial    int32
	available  int32
	reserved   int32
}

// NewProduct returns a product with all its initial stock available.
func NewProduct(sku, name string, priceCents int64, currency string, initial int32) (*Product, error) {
	var errs []error
	if sku == "" {
		errs = append(errs, ErrMissingSKU)
	}
	if name == "" {
		errs = append(errs, fmt.Errorf("%w: %s has no name", ErrInvalidProduct, sku))
	}
	if priceCents < 0 {
		errs = append(errs, fmt.Errorf("%w: %s has a negative price", ErrInvalidProduct, sku))
	}
	if !currencyCode.MatchString(currency) {
		errs = append(errs, fmt.Errorf("%w: %s currency %q is not an ISO 4217 code", ErrInvalidProduct, sku, currency))
	}
	if initial < 0 {
		errs = append(errs, fmt.Errorf("%w: %s has negative initial stock", ErrInvalidProduct, sku))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Product{sku: sku, name: name, priceCents: priceCents, currency: currency, initial: initial, available: initial}, nil
}

// UnmarshalProductFromDatabase rebuilds a stored product and checks it is conserved.
func UnmarshalProductFromDatabase(sku, name string, priceCents int64, currency string, initial, available, reserved int32) (*Product, error) {
	p, err := NewProduct(sku, name, priceCents, currency, initial)
	if err != nil {
		return nil, fmt.Errorf("unmarshal product %s: %w", sku, err)
	}
	if available < 0 || reserved < 0 || available+reserved != initial {
		return nil, fmt.Errorf("unmarshal product %s: %w: available %d + reserved %d != initial %d", sku, ErrStockNotConserved, available, reserved, initial)
	}
	p.available, p.reserved = available, reserved
	return p, nil
}

func (p *Product) SKU() string       { return p.sku }
func (p *Product) Name() string      { return p.name }
func (p *Product) PriceCents() int64 { return p.priceCents }
func (p *Product) Currency() string  { return p.currency }
func (p *Product) Initial() int32    { return p.initial }
func (p *Product) Available() int32  { return p.available }
func (p *Product) Reserved() int32   { return p.reserved }

func (p *Product) reserve(quantity int32) error {
	if quantity > p.available {
		return fmt.Errorf("%w: %s has %d available, %d requested", ErrInsufficientStock, p.sku, p.available, quantity)
	}
	p.available -= quantity
	p.reserved += quantity
	return nil
}

func (p *Product) release(quantity int32) error {
	if quantity > p.reserved {
		return fmt.Errorf("%w: %s releases %d but only %d are reserved", ErrStockNotConserved, p.sku, quantity, p.reserved)
	}
	p.available += quantity
	p.reserved -= quantity
	return nil
}

// Line is a quantity of one SKU.
type Line struct {
	SKU      string
	Quantity int32
}

// NormalizeLines validates lines and merges repeated SKUs, sorted by SKU, so that the
// same request always yields the same lines (and locks are taken in one order).
func NormalizeLines(lines []Line) ([]Line, error) {
	if len(lines) == 0 {
		return nil, ErrEmptyReservation
	}
	merged := map[string]int64{}
	var errs []error
	for _, l := range lines {
		switch {
		case l.SKU == "":
			errs = append(errs, ErrMissingSKU)
		case l.Quantity <= 0:
			errs = append(errs, fmt.Errorf("%w: %s quantity %d", ErrInvalidQuantity, l.SKU, l.Quantity))
		default:
			merged[l.SKU] += int64(l.Quantity)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]Line, 0, len(merged))
	for _, sku := range slices.Sorted(maps.Keys(merged)) {
		q := merged[sku]
		if q > 1<<31-1 {
			return nil, fmt.Errorf("%w: %s quantity %d is too large", ErrInvalidQuantity, sku, q)
		}
		out = append(out, Line{SKU: sku, Quantity: int32(q)})
	}
	return out, nil
}

// SKUs returns the SKUs of lines.
func SKUs(lines []Line) []string {
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.SKU
	}
	return skus
}

// Reservation holds stock for one order until it is released.
type Reservation struct {
	id       string
	lines    []Line
	released bool
}

// UnmarshalReservationFromDatabase rebuilds a stored reservation.
func UnmarshalReservationFromDatabase(id string, lines []Line, released bool) (*Reservation, error) {
	if id == "" {
		return nil, ErrMissingReservationID
	}
	if !released || len(lines) > 0 {
		normalized, err := NormalizeLines(lines)
		if err != nil {
			return nil, fmt.Errorf("unmarshal reservation %s: %w", id, err)
		}
		lines = normalized
	}
	return &Reservation{id: id, lines: lines, released: released}, nil
}

func (r *Reservation) ID() string       { return r.id }
func (r *Reservation) Lines() []Line    { return slices.Clone(r.lines) }
func (r *Reservation) IsReleased() bool { return r.released }

// Reserve reserves lines against products for reservation id, all or nothing.
//
// current is the stored reservation with that id, or nil. If it holds the same lines the
// call is a repeat and changes nothing; different lines are ErrReservationConflict; a
// released reservation is ErrReservationReleased (a late Reserve must not take stock
// back after its order was compensated). products must hold every SKU of lines.
func Reserve(current *Reservation, id string, lines []Line, products map[string]*Product) (*Reservation, error) {
	if id == "" {
		return nil, ErrMissingReservationID
	}
	lines, err := NormalizeLines(lines)
	if err != nil {
		return nil, err
	}
	if current != nil {
		switch {
		case current.released:
			return nil, fmt.Errorf("%w: %s", ErrReservationReleased, id)
		case !slices.Equal(current.lines, lines):
			return nil, fmt.Errorf("%w: %s", ErrReservationConflict, id)
		default:
			return current, nil
		}
	}
	// Check every line before changing any product: all or nothing.
	var errs []error
	for _, l := range lines {
		p, ok := products[l.SKU]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w: %s", ErrProductNotFound, l.SKU))
		case l.Quantity > p.available:
			errs = append(errs, fmt.Errorf("%w: %s has %d available, %d requested", ErrInsufficientStock, l.SKU, p.available, l.Quantity))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, l := range lines {
		if err := products[l.SKU].reserve(l.Quantity); err != nil {
			return nil, err // unreachable after the checks above; kept so no error is dropped
		}
	}
	return &Reservation{id: id, lines: lines}, nil
}

// Release returns a reservation's stock to its products.
//
// current is the stored reservation, or nil when none exists: then a released, empty
// reservation is returned to be stored as a tombstone, so a Reserve arriving later is
// refused. released is false when there was nothing to release.
func Release(current *Reservation, id string, products map[string]*Product) (r *Reservation, released bool, err error) {
	if id == "" {
		return nil, false, ErrMissingReservationID
	}
	if current == nil {
		return &Reservation{id: id, released: true}, false, nil
	}
	if current.released {
		return current, false, nil
	}
	for _, l := range current.lines {
		if _, ok := products[l.SKU]; !ok {
			return nil, false, fmt.Errorf("release %s: %w: %s", id, ErrProductNotFound, l.SKU)
		}
	}
	for _, l := range current.lines {
		if err := products[l.SKU].release(l.Quantity); err != nil {
			return nil, false, fmt.Errorf("release %s: %w", id, err)
		}
	}
	return &Reservation{id: id, lines: slices.Clone(current.lines), released: true}, true, nil
}
