package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

// DefaultCatalog is the INVENTORY_SEED used when none is set: sku:name:price_cents:initial.
const DefaultCatalog = "SKU-1:Widget:2500:100,SKU-2:Gadget:1000:50,SKU-3:Gizmo:4999:20"

// ErrInvalidCatalog is wrapped by every problem ParseCatalog reports.
var ErrInvalidCatalog = errors.New("invalid catalogue")

// ParseCatalog reads "sku:name:price_cents:initial,..." into products priced in currency.
// Every malformed entry is reported, together.
func ParseCatalog(spec, currency string) ([]*stock.Product, error) {
	var (
		products []*stock.Product
		errs     []error
		seen     = map[string]bool{}
	)
	for entry := range strings.SplitSeq(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parseEntry(entry, currency)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: entry %q: %w", ErrInvalidCatalog, entry, err))
			continue
		}
		if seen[p.SKU()] {
			errs = append(errs, fmt.Errorf("%w: SKU %s appears twice", ErrInvalidCatalog, p.SKU()))
			continue
		}
		seen[p.SKU()] = true
		products = append(products, p)
	}
	if len(products) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%w: no products", ErrInvalidCatalog))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return products, nil
}

func parseEntry(entry, currency string) (*stock.Product, error) {
	parts := strings.Split(entry, ":")
	if len(parts) != 4 {
		return nil, errors.New("want sku:name:price_cents:initial")
	}
	price, err := strconv.ParseInt(strings.TrimSpace(parts[2]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("price_cents: %w", err)
	}
	initial, err := strconv.ParseInt(strings.TrimSpace(parts[3]), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("initial: %w", err)
	}
	return stock.NewProduct(strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), price, currency, int32(initial))
}

// SeedCatalogHandler stores the catalogue's products that are not stored yet.
type SeedCatalogHandler struct {
	repo stock.Repository
}

// NewSeedCatalogHandler returns a SeedCatalogHandler.
func NewSeedCatalogHandler(repo stock.Repository) SeedCatalogHandler {
	if repo == nil {
		panic("app: NewSeedCatalogHandler needs a repository")
	}
	return SeedCatalogHandler{repo: repo}
}

// Handle seeds products; stock of SKUs already stored is kept as it is.
func (h SeedCatalogHandler) Handle(ctx context.Context, products []*stock.Product) error {
	if err := h.repo.AddProducts(ctx, products...); err != nil {
		return fmt.Errorf("seed catalogue: %w", err)
	}
	return nil
}
