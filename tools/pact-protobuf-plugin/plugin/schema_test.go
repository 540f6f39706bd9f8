package plugin_test

import (
	"strings"
	"testing"

	"faultline.dev/tools/pact-protobuf-plugin/plugin"
)

// interaction is the Charge interaction as the pact knows it, using id and amount_cents.
func interaction(t *testing.T) *plugin.Interaction {
	t.Helper()
	d := descriptors(t, "pact")
	m, err := d.Method(".test.v1.Payments/Charge")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{"$.id": true, "$.amount_cents": true}
	return &plugin.Interaction{Route: "/test.v1.Payments/Charge", Method: m,
		Request:  plugin.Part{Expectations: used},
		Response: plugin.Part{Expectations: used}}
}

func check(t *testing.T, variant string) string {
	t.Helper()
	s, err := plugin.LoadProviderSchemas(plugin.Compiler{}, []string{"testdata/" + variant})
	if err != nil {
		t.Fatal(err)
	}
	return messages(s.Check(interaction(t)))
}

func TestSchema_sameProtoHasNoMismatch(t *testing.T) {
	if got := check(t, "pact"); got != "" {
		t.Fatalf("want no mismatch, got:\n%s", got)
	}
}

func TestSchema_renamedFieldIsNamed(t *testing.T) {
	got := check(t, "renamed")
	if !strings.Contains(got, "response $.id (test.v1.Payment): field id (number 1) is renamed payment_id in the provider's proto") {
		t.Fatalf("unexpected:\n%s", got)
	}
}

func TestSchema_renumberedFieldIsNamed(t *testing.T) {
	got := check(t, "renumbered")
	if !strings.Contains(got, "field id is number 1 in the pact but 16 in the provider's proto (renumbered)") {
		t.Fatalf("unexpected:\n%s", got)
	}
}

func TestSchema_retypedFieldIsNamed(t *testing.T) {
	got := check(t, "retyped")
	if !strings.Contains(got, "field amount_cents is int64 in the pact but sfixed64 in the provider's proto (type changed)") {
		t.Fatalf("unexpected:\n%s", got)
	}
}

func TestSchema_noProtoIsAnError(t *testing.T) {
	_, err := plugin.LoadProviderSchemas(plugin.Compiler{}, []string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), plugin.ProviderProtosEnv+" names no .proto file") {
		t.Fatalf("error = %v", err)
	}
}
