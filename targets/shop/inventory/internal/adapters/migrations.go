package adapters

import "embed"

// Migrations are applied at start by platform/pg.Open(ctx, dsn, Migrations, MigrationsDir).
//
//go:embed migrations/*.sql
var Migrations embed.FS

// MigrationsDir is the directory of Migrations holding the golang-migrate files (NNNNN_name.up.sql, .down.sql).
const MigrationsDir = "migrations"
