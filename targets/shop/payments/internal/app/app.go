// Package app holds the payments use cases, one file each: commands change state,
// queries read it. Handlers know the domain and its repository, never gRPC or SQL.
package app

import "faultline.dev/shop/payments/internal/domain/payment"

// Application is what the ports call.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change state.
type Commands struct {
	Charge ChargeHandler
	Refund RefundHandler
}

// Queries read state.
type Queries struct {
	GetLedger GetLedgerHandler
}

// NewApplication wires the handlers over one repository.
func NewApplication(repo payment.Repository, policy payment.DeclinePolicy, newID func() string) Application {
	return Application{
		Commands: Commands{
			Charge: NewChargeHandler(repo, policy, newID),
			Refund: NewRefundHandler(repo),
		},
		Queries: Queries{
			GetLedger: NewGetLedgerHandler(repo),
		},
	}
}
