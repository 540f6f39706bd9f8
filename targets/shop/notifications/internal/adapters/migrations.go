package adapters

import "embed"

// Migrations holds the PostgreSQL schema of notifications (golang-migrate SQL files under
// "migrations"), applied at start.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// MigrationsDir is the folder of Migrations that holds the files.
const MigrationsDir = "migrations"
