package order_test

import (
	"errors"
	"strings"
	"testing"

	"faultline.dev/shop/gateway/internal/domain/order"
)

func TestNewPlacement_valid_normalisesCurrencyAndSKUs(t *testing.T) {
	p, err := order.NewPlacement("key-1", "c-1", " eur ", []order.Line{{SKU: " SKU-1 ", Quantity: 2}, {SKU: "SKU-2", Quantity: 1}})
	if err != nil {
		t.Fatalf("NewPlacement: %v", err)
	}
	if p.Currency != "EUR" || p.IdempotencyKey != "key-1" || p.CustomerID != "c-1" {
		t.Fatalf("placement = %+v", p)
	}
	if len(p.Lines) != 2 || p.Lines[0] != (order.Line{SKU: "SKU-1", Quantity: 2}) {
		t.Fatalf("lines = %+v", p.Lines)
	}
}

func TestNewPlacement_withoutIdempotencyKey_isValid(t *testing.T) {
	if _, err := order.NewPlacement("", "c-1", "EUR", []order.Line{{SKU: "SKU-1", Quantity: 1}}); err != nil {
		t.Fatalf("NewPlacement: %v", err)
	}
}

func TestNewPlacement_reportsEveryProblemTogether(t *testing.T) {
	_, err := order.NewPlacement(strings.Repeat("k", order.MaxIdempotencyKeyLen+1), " ", "EURO",
		[]order.Line{{SKU: "", Quantity: 1}, {SKU: "SKU-1", Quantity: 0}, {SKU: "SKU-1", Quantity: order.MaxQuantity + 1}})
	if !errors.Is(err, order.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{
		"idempotency key is longer", "customer_id is required", `currency "EURO"`,
		"lines[0]: sku is required", "lines[1]: quantity must be between 1 and 1000, got 0",
		`lines[2]: sku "SKU-1" appears more than once`, "got 1001",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestNewPlacement_noLines_isInvalid(t *testing.T) {
	_, err := order.NewPlacement("", "c-1", "EUR", nil)
	if !errors.Is(err, order.ErrInvalid) || !strings.Contains(err.Error(), "at least one line") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewPlacement_tooManyLines_isInvalid(t *testing.T) {
	lines := make([]order.Line, order.MaxLines+1)
	for i := range lines {
		lines[i] = order.Line{SKU: "SKU-" + strings.Repeat("x", i+1), Quantity: 1}
	}
	if _, err := order.NewPlacement("", "c-1", "EUR", lines); !errors.Is(err, order.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestNewPlacement_controlCharacterInKey_isInvalid(t *testing.T) {
	if _, err := order.NewPlacement("key\n1", "c-1", "EUR", []order.Line{{SKU: "SKU-1", Quantity: 1}}); !errors.Is(err, order.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestStatus_Terminal_onlyConfirmedAndCancelled(t *testing.T) {
	for s, want := range map[order.Status]bool{
		order.StatusPending: false, order.StatusConfirmed: true, order.StatusCancelled: true, order.StatusUnknown: false,
	} {
		if got := s.Terminal(); got != want {
			t.Errorf("%s.Terminal() = %v, want %v", s, got, want)
		}
	}
}

func TestValidateID_emptyOrTooLong_isInvalid(t *testing.T) {
	for _, id := range []string{"", "  ", strings.Repeat("a", order.MaxIDLen+1)} {
		if err := order.ValidateID(id); !errors.Is(err, order.ErrInvalid) {
			t.Errorf("ValidateID(%q) = %v, want ErrInvalid", id, err)
		}
	}
	if err := order.ValidateID("3f6e"); err != nil {
		t.Errorf("ValidateID(3f6e) = %v", err)
	}
}
