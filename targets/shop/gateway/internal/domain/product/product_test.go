package product_test

import (
	"errors"
	"strings"
	"testing"

	"faultline.dev/shop/gateway/internal/domain/product"
)

func TestValidateSKU_emptyOrTooLong_isInvalid(t *testing.T) {
	for _, sku := range []string{"", " ", strings.Repeat("s", product.MaxSKULen+1)} {
		if err := product.ValidateSKU(sku); !errors.Is(err, product.ErrInvalid) {
			t.Errorf("ValidateSKU(%q) = %v, want ErrInvalid", sku, err)
		}
	}
	if err := product.ValidateSKU("SKU-1"); err != nil {
		t.Errorf("ValidateSKU(SKU-1) = %v", err)
	}
}
