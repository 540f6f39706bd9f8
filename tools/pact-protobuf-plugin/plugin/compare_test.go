package plugin_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"faultline.dev/tools/pact-protobuf-plugin/plugin"
)

func descriptors(t *testing.T, variant string) *plugin.Descriptors {
	t.Helper()
	d, err := plugin.Compiler{}.Compile("testdata/" + variant + "/shop.proto")
	if err != nil {
		t.Fatalf("compile %s: %v", variant, err)
	}
	return d
}

func payment(t *testing.T, d *plugin.Descriptors) protoreflect.MessageDescriptor {
	t.Helper()
	md, err := d.Message("test.v1.Payment")
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// build makes a Payment of variant's descriptors from a consumer-style configuration.
func build(t *testing.T, variant string, config map[string]any) (*plugin.Built, protoreflect.MessageDescriptor) {
	t.Helper()
	md := payment(t, descriptors(t, variant))
	b, err := plugin.BuildMessage(md, config, "response")
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return b, md
}

// compare compares actual (built with actualVariant's descriptors) against the pact's expected.
func compare(t *testing.T, expected map[string]any, actualVariant string, actual map[string]any) []plugin.Mismatch {
	t.Helper()
	want, md := build(t, "pact", expected)
	got, _ := build(t, actualVariant, actual)
	c := plugin.Comparison{Rules: want.Rules, Expectations: plugin.ExpectationPaths(expected), AllowUnexpected: true}
	mm, err := c.CompareBytes(md, want.Bytes, got.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return mm
}

func messages(mm []plugin.Mismatch) string {
	var lines []string
	for _, m := range mm {
		lines = append(lines, m.Message)
	}
	return strings.Join(lines, "\n")
}

func TestCompare_equalMessagesMatch(t *testing.T) {
	cfg := map[string]any{"id": "pay-1", "amount_cents": 5000.0, "status": "STATUS_CAPTURED"}
	if mm := compare(t, cfg, "pact", cfg); len(mm) != 0 {
		t.Fatalf("want no mismatch, got:\n%s", messages(mm))
	}
}

func TestCompare_equalityMismatchNamesPathExpectedAndActual(t *testing.T) {
	mm := compare(t, map[string]any{"status": "STATUS_REFUNDED"}, "pact", map[string]any{"status": "STATUS_CAPTURED"})
	if len(mm) != 1 {
		t.Fatalf("want 1 mismatch, got %d:\n%s", len(mm), messages(mm))
	}
	m := mm[0]
	if m.Path != "$.status" || m.Expected != "STATUS_REFUNDED" || m.Actual != "STATUS_CAPTURED" {
		t.Errorf("mismatch = %+v", m)
	}
	if want := "$.status: expected STATUS_REFUNDED, actual STATUS_CAPTURED"; m.Message != want {
		t.Errorf("message = %q, want %q", m.Message, want)
	}
}

func TestCompare_typeMatcherAcceptsAnotherValueOfTheType(t *testing.T) {
	mm := compare(t, map[string]any{"id": "matching(type, 'pay-1')", "amount_cents": "matching(integer, 5000)"},
		"pact", map[string]any{"id": "a-different-id", "amount_cents": 42.0})
	if len(mm) != 0 {
		t.Fatalf("want no mismatch, got:\n%s", messages(mm))
	}
}

func TestCompare_regexMismatch(t *testing.T) {
	mm := compare(t, map[string]any{"id": "matching(regex, '^pay-[0-9]+$', 'pay-1')"}, "pact", map[string]any{"id": "PAY-X"})
	if got := messages(mm); !strings.Contains(got, `$.id: expected a value matching regex "^pay-[0-9]+$" (example "pay-1"), actual "PAY-X"`) {
		t.Fatalf("unexpected message:\n%s", got)
	}
}

func TestCompare_notEmptyFailsOnAMissingValue(t *testing.T) {
	mm := compare(t, map[string]any{"id": "notEmpty('pay-1')", "status": "STATUS_CAPTURED"}, "pact", map[string]any{"status": "STATUS_CAPTURED"})
	got := messages(mm)
	if len(mm) != 1 || !strings.Contains(got, `$.id: expected field id (number 1, string) = "pay-1", but it is missing`) {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
}

func TestCompare_notEmptyAcceptsAnyNonEmptyValue(t *testing.T) {
	if mm := compare(t, map[string]any{"id": "notEmpty('pay-1')"}, "pact", map[string]any{"id": "x"}); len(mm) != 0 {
		t.Fatalf("want no mismatch, got:\n%s", messages(mm))
	}
}

func TestCompare_expectedDefaultIsChecked(t *testing.T) {
	// released: false is proto3's default, absent from the wire; the expectation still holds it.
	mm := compare(t, map[string]any{"released": false}, "pact", map[string]any{"released": true})
	if got := messages(mm); len(mm) != 1 || !strings.Contains(got, "$.released: expected false, actual true") {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
}

func TestCompare_templateMatchesEveryElement(t *testing.T) {
	expected := map[string]any{"lines": map[string]any{"sku": "matching(regex, '^SKU-', 'SKU-1')", "quantity": "matching(integer, 1)"}}
	ok := compare(t, expected, "pact", map[string]any{"lines": []any{
		map[string]any{"sku": "SKU-1", "quantity": 2.0}, map[string]any{"sku": "SKU-9", "quantity": 7.0},
	}})
	if len(ok) != 0 {
		t.Fatalf("want no mismatch, got:\n%s", messages(ok))
	}
	bad := compare(t, expected, "pact", map[string]any{"lines": []any{
		map[string]any{"sku": "SKU-1", "quantity": 2.0}, map[string]any{"sku": "sku-2", "quantity": 1.0},
	}})
	if got := messages(bad); len(bad) != 1 || !strings.Contains(got, `$.lines[1].sku: expected a value matching regex "^SKU-"`) {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
	empty := compare(t, expected, "pact", map[string]any{"id": "x"})
	if got := messages(empty); !strings.Contains(got, "$.lines: expected at least 1 element(s) of lines, actual 0") {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
}

func TestCompare_listLengthMismatch(t *testing.T) {
	mm := compare(t, map[string]any{"lines": []any{map[string]any{"sku": "SKU-1"}}}, "pact",
		map[string]any{"lines": []any{map[string]any{"sku": "SKU-1"}, map[string]any{"sku": "SKU-2"}}})
	if got := messages(mm); !strings.Contains(got, "$.lines: expected 1 element(s) of lines, actual 2") {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
}

func TestCompare_renumberedFieldIsMissingWithAHint(t *testing.T) {
	mm := compare(t, map[string]any{"id": "notEmpty('pay-1')"}, "renumbered", map[string]any{"id": "pay-1"})
	got := messages(mm)
	if len(mm) != 1 || !strings.Contains(got, "$.id: expected field id (number 1, string)") ||
		!strings.Contains(got, "carries field number(s) 16 (wire type length-delimited) that the pact's descriptors do not know: was id renumbered?") {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
}

func TestCompare_retypedFieldSaysItsTypeChanged(t *testing.T) {
	mm := compare(t, map[string]any{"amount_cents": "matching(integer, 5000)"}, "retyped", map[string]any{"amount_cents": 5000.0})
	got := messages(mm)
	if len(mm) != 1 || !strings.Contains(got, "$.amount_cents: expected field amount_cents (number 3, int64) = 5000, but it is missing") ||
		!strings.Contains(got, "carries field number 3 with wire type fixed64, but amount_cents is int64 (wire type varint): its type changed") {
		t.Fatalf("unexpected mismatches:\n%s", got)
	}
}

func TestCompare_unexpectedFieldRefusedWhenNotAllowed(t *testing.T) {
	want, md := build(t, "pact", map[string]any{"id": "pay-1"})
	got, _ := build(t, "pact", map[string]any{"id": "pay-1", "amount_cents": 7.0})
	c := plugin.Comparison{Rules: want.Rules, Expectations: map[string]bool{"$.id": true}}
	mm, err := c.CompareBytes(md, want.Bytes, got.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if s := messages(mm); len(mm) != 1 || !strings.Contains(s, "$.amount_cents: unexpected field amount_cents (the pact does not set it), actual 7") {
		t.Fatalf("unexpected mismatches:\n%s", s)
	}
}

func TestCompare_garbageIsAMismatchNotAPanic(t *testing.T) {
	want, md := build(t, "pact", map[string]any{"id": "pay-1"})
	mm, err := plugin.Comparison{}.CompareBytes(md, want.Bytes, []byte{0xff, 0xff, 0xff})
	if err != nil {
		t.Fatal(err)
	}
	if len(mm) != 1 || !strings.Contains(mm[0].Message, "the actual bytes are not a valid test.v1.Payment") {
		t.Fatalf("unexpected mismatches: %+v", mm)
	}
}

func TestBuildMessage_errorsNameTheFieldAndTheFix(t *testing.T) {
	md := payment(t, descriptors(t, "pact"))
	cases := map[string]struct {
		config map[string]any
		want   string
	}{
		"unknown field": {map[string]any{"payment_id": "x"}, `response $.payment_id: message test.v1.Payment has no field "payment_id" (fields: id, amount_cents, status, lines, released)`},
		"bad enum":      {map[string]any{"status": "PAID"}, `status is the enum test.v1.Status; "PAID" is not one of its values (STATUS_UNSPECIFIED, STATUS_CAPTURED, STATUS_REFUNDED)`},
		"bad integer":   {map[string]any{"amount_cents": "many"}, "response $.amount_cents: amount_cents is int64; many (string) is not one"},
		"bad matcher":   {map[string]any{"id": "matching(glob, 'x')"}, `unsupported matcher "glob"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := plugin.BuildMessage(md, c.config, "response")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestBuildMessage_rulesAtTheirPaths(t *testing.T) {
	b, _ := build(t, "pact", map[string]any{
		"id":    "matching(regex, '^p', 'pay-1')",
		"lines": map[string]any{"quantity": "matching(integer, 2)"},
	})
	if r := b.Rules["$.id"]; len(r) != 1 || r[0].Type != "regex" || r[0].Regex != "^p" {
		t.Errorf("$.id rules = %+v", r)
	}
	if r := b.Rules["$.lines[*].quantity"]; len(r) != 1 || r[0].Type != "integer" {
		t.Errorf("$.lines[*].quantity rules = %+v", b.Rules)
	}
	if r := b.Rules["$.lines"]; len(r) != 1 || r[0].Type != "min-type" || r[0].Min != 1 {
		t.Errorf("$.lines rules = %+v", r)
	}
	var p proto.Message = b.Message
	if !strings.Contains(b.Markup, "string id = 1;") || p == nil {
		t.Errorf("markup = %q", b.Markup)
	}
}
