package plugin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faultline.dev/tools/pact-protobuf-plugin/plugin"
)

// The plugin compiles .proto files itself: the well-known types come with it, so no system
// protoc or include folder is needed (PATH is emptied for the test so protoc cannot be found).
func TestCompile_wellKnownTypesWithoutProtoc(t *testing.T) {
	t.Setenv("PATH", "")
	dir := t.TempDir()
	writeProto(t, dir, "a.proto", `syntax = "proto3";
package x;
import "google/protobuf/timestamp.proto";
message A { google.protobuf.Timestamp at = 1; }
`)
	d, err := plugin.Compiler{}.Compile(filepath.Join(dir, "a.proto"))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if _, err := d.Files.FindDescriptorByName("google.protobuf.Timestamp"); err != nil {
		t.Fatalf("the set does not carry google.protobuf.Timestamp: %v", err)
	}
	if _, err := d.Files.FindDescriptorByName("x.A"); err != nil {
		t.Fatalf("the set does not carry x.A: %v", err)
	}
}

func TestCompile_importsFromAdditionalIncludes(t *testing.T) {
	dir, inc := t.TempDir(), t.TempDir()
	writeProto(t, inc, "shared/v1/money.proto", "syntax = \"proto3\";\npackage shared.v1;\nmessage Money { int64 cents = 1; }\n")
	writeProto(t, dir, "b.proto", "syntax = \"proto3\";\npackage y;\nimport \"shared/v1/money.proto\";\nmessage B { shared.v1.Money m = 1; }\n")
	d, err := plugin.Compiler{Includes: []string{inc}}.Compile(filepath.Join(dir, "b.proto"))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if _, err := d.Files.FindDescriptorByName("shared.v1.Money"); err != nil {
		t.Fatalf("shared.v1.Money missing: %v", err)
	}
}

func TestCompile_missingImportNamesItAndThePaths(t *testing.T) {
	dir := t.TempDir()
	writeProto(t, dir, "c.proto", "syntax = \"proto3\";\npackage z;\nimport \"nope/missing.proto\";\n")
	_, err := plugin.Compiler{Includes: []string{"/no/such/include"}}.Compile(filepath.Join(dir, "c.proto"))
	if err == nil {
		t.Fatal("expected an error for a missing import")
	}
	for _, want := range []string{`"nope/missing.proto"`, dir, "/no/such/include", "additionalIncludes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func writeProto(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
