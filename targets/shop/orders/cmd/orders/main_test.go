package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoad_reportsEveryProblemAtOnce(t *testing.T) {
	for _, name := range []string{"DATABASE_URL", "KAFKA_BROKERS", "PAYMENTS_ADDR", "INVENTORY_ADDR"} {
		t.Setenv(name, "")
	}
	t.Setenv("PAYMENTS_TIMEOUT", "-1s")
	t.Setenv("SAGA_RETRY_ATTEMPTS", "0")
	_, err := load()
	if err == nil {
		t.Fatal("load accepted a configuration without its required variables")
	}
	for _, name := range []string{"DATABASE_URL", "KAFKA_BROKERS", "PAYMENTS_ADDR", "INVENTORY_ADDR", "PAYMENTS_TIMEOUT", "SAGA_RETRY_ATTEMPTS"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestLoad_defaults(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://orders:secret@db/orders")
	t.Setenv("KAFKA_BROKERS", "kafka:9092,kafka2:9092")
	t.Setenv("PAYMENTS_ADDR", "payments:9090")
	t.Setenv("INVENTORY_ADDR", "inventory:9090")
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if s.paymentsTimeout != 2*time.Second || s.invTimeout != 2*time.Second || len(s.kafkaBrokers) != 2 ||
		s.retry.MaxAttempts != 5 || s.grpcAddr != ":9090" || s.httpAddr != ":8080" {
		t.Errorf("defaults = %+v", s)
	}
}
