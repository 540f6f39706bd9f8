package adapters

import "embed"

// Migrations holds the golang-migrate migrations of the orders database, applied at start by
// platform/pg.Open(ctx, dsn, adapters.Migrations, adapters.MigrationsDir).
//
//go:embed migrations/*.sql
var Migrations embed.FS

// MigrationsDir is the directory of Migrations that holds the files.
const MigrationsDir = "migrations"
