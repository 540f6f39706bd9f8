// Package platform holds the cross-cutting code every targets/shop service shares:
// configuration, logging, health, metrics, circuit breakers, PostgreSQL, server
// bootstrap, gRPC wiring (grpcx), tracing and sabotage switches. It never holds domain
// types; services share nothing else but the generated API code in faultline.dev/shop/proto.
package platform
