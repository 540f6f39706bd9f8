// Package app holds the inventory use cases, one file each. Handlers know the domain and
// its repository, never gRPC or SQL.
package app

import "faultline.dev/shop/inventory/internal/domain/stock"

// Application is what the ports call.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change state.
type Commands struct {
	SeedCatalog SeedCatalogHandler
	Reserve     ReserveHandler
	Release     ReleaseHandler
}

// Queries read state.
type Queries struct {
	GetProduct   GetProductHandler
	ListProducts ListProductsHandler
}

// NewApplication wires the handlers over one repository.
func NewApplication(repo stock.Repository) Application {
	return Application{
		Commands: Commands{
			SeedCatalog: NewSeedCatalogHandler(repo),
			Reserve:     NewReserveHandler(repo),
			Release:     NewReleaseHandler(repo),
		},
		Queries: Queries{
			GetProduct:   NewGetProductHandler(repo),
			ListProducts: NewListProductsHandler(repo),
		},
	}
}
