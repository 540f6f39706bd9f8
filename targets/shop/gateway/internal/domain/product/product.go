// Package product is the gateway's view of the inventory's products.
package product

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalid reports a lookup that can never succeed as sent.
	ErrInvalid = errors.New("invalid product request")
	// ErrNotFound reports an unknown SKU.
	ErrNotFound = errors.New("product not found")
)

// MaxSKULen bounds a SKU taken from a URL.
const MaxSKULen = 128

// Product is a SKU with its price and stock.
type Product struct {
	SKU        string
	Name       string
	PriceCents int64
	Currency   string
	Available  int32
	Reserved   int32
	// Initial is the stock the SKU was seeded with: Available + Reserved = Initial while
	// stock is conserved.
	Initial int32
}

// ValidateSKU checks a SKU taken from a URL before it is looked up.
func ValidateSKU(sku string) error {
	switch {
	case strings.TrimSpace(sku) == "":
		return fmt.Errorf("%w: sku is required", ErrInvalid)
	case len(sku) > MaxSKULen:
		return fmt.Errorf("%w: sku is longer than %d bytes", ErrInvalid, MaxSKULen)
	}
	return nil
}
