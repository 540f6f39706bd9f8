package payment_test

import (
	"errors"
	"testing"

	"faultline.dev/shop/payments/internal/domain/payment"
)

func newPayment(t *testing.T) *payment.Payment {
	t.Helper()
	p, err := payment.NewPayment("pay-1", "charge-order-1", "order-1", 2500, "EUR")
	if err != nil {
		t.Fatalf("NewPayment: %v", err)
	}
	return p
}

func TestNewPayment_isCaptured(t *testing.T) {
	p := newPayment(t)
	if p.Status() != payment.StatusCaptured || p.IsRefunded() || p.AmountCents() != 2500 || p.OrderID() != "order-1" {
		t.Errorf("new payment = %+v, want captured 2500 for order-1", p)
	}
}

func TestValidateCharge_reportsEveryProblem(t *testing.T) {
	err := payment.ValidateCharge("", "", 0, "euro")
	for _, want := range []error{payment.ErrMissingIdempotencyKey, payment.ErrMissingOrderID, payment.ErrInvalidAmount, payment.ErrInvalidCurrency} {
		if !errors.Is(err, want) {
			t.Errorf("ValidateCharge() = %v, want it to include %v", err, want)
		}
	}
	if _, err := payment.NewPayment("pay-1", "k", "order-1", -5, "EUR"); !errors.Is(err, payment.ErrInvalidAmount) {
		t.Errorf("NewPayment(-5) = %v, want ErrInvalidAmount", err)
	}
}

func TestPayment_refundOnce(t *testing.T) {
	p := newPayment(t)

	changed, err := p.Refund("refund-1")
	if err != nil || !changed {
		t.Fatalf("first Refund = %v, %v; want changed", changed, err)
	}
	if !p.IsRefunded() || p.RefundKey() != "refund-1" {
		t.Errorf("after refund: status %v key %q", p.Status(), p.RefundKey())
	}

	changed, err = p.Refund("refund-1")
	if err != nil || changed {
		t.Errorf("Refund again with the same key = %v, %v; want an unchanged success", changed, err)
	}

	changed, err = p.Refund("refund-2")
	if !errors.Is(err, payment.ErrAlreadyRefunded) || changed {
		t.Errorf("Refund with another key = %v, %v; want ErrAlreadyRefunded", changed, err)
	}
	if p.RefundKey() != "refund-1" {
		t.Errorf("refund key changed to %q", p.RefundKey())
	}
}

func TestPayment_refundNeedsAKey(t *testing.T) {
	p := newPayment(t)
	if _, err := p.Refund(""); !errors.Is(err, payment.ErrMissingIdempotencyKey) {
		t.Errorf("Refund(\"\") = %v, want ErrMissingIdempotencyKey", err)
	}
	if p.IsRefunded() {
		t.Error("payment refunded without a key")
	}
}

func TestPayment_isSameChargeComparesTerms(t *testing.T) {
	p := newPayment(t)
	if !p.IsSameCharge("order-1", 2500, "EUR") {
		t.Error("identical terms are not the same charge")
	}
	for _, tc := range []struct {
		order    string
		amount   int64
		currency string
	}{{"order-2", 2500, "EUR"}, {"order-1", 2501, "EUR"}, {"order-1", 2500, "USD"}} {
		if p.IsSameCharge(tc.order, tc.amount, tc.currency) {
			t.Errorf("IsSameCharge(%v) = true, want false", tc)
		}
	}
}

func TestDeclinePolicy_declinesAboveTheLimitOnly(t *testing.T) {
	policy := payment.DeclinePolicy{AboveCents: 100000}
	if err := policy.Check(100000); err != nil {
		t.Errorf("Check(limit) = %v, want accepted", err)
	}
	if err := policy.Check(100001); !errors.Is(err, payment.ErrDeclined) {
		t.Errorf("Check(limit+1) = %v, want ErrDeclined", err)
	}
}

func TestUnmarshalFromDatabase_rejectsInconsistentRows(t *testing.T) {
	if _, err := payment.UnmarshalFromDatabase("p", "k", "o", 1, "EUR", payment.StatusRefunded, ""); err == nil {
		t.Error("refunded payment without refund key accepted")
	}
	if _, err := payment.UnmarshalFromDatabase("p", "k", "o", 1, "EUR", payment.Status(9), ""); err == nil {
		t.Error("unknown status accepted")
	}
	p, err := payment.UnmarshalFromDatabase("p", "k", "o", 1, "EUR", payment.StatusRefunded, "r")
	if err != nil || !p.IsRefunded() || p.RefundKey() != "r" {
		t.Errorf("UnmarshalFromDatabase = %v, %v", p, err)
	}
}
