package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/payments/internal/domain/payment"
)

// GetLedgerHandler reports the totals invariant checks balance against.
type GetLedgerHandler struct {
	repo payment.Repository
}

// NewGetLedgerHandler returns a GetLedgerHandler.
func NewGetLedgerHandler(repo payment.Repository) GetLedgerHandler {
	if repo == nil {
		panic("app: NewGetLedgerHandler needs a repository")
	}
	return GetLedgerHandler{repo: repo}
}

// Handle returns the ledger.
func (h GetLedgerHandler) Handle(ctx context.Context) (payment.Ledger, error) {
	l, err := h.repo.Ledger(ctx)
	if err != nil {
		return payment.Ledger{}, fmt.Errorf("get ledger: %w", err)
	}
	return l, nil
}
