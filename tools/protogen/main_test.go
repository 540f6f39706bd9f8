package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

// The well-known types come from protocompile, not from an include folder: with only the
// test's own folder as import path, a proto importing timestamp.proto compiles, and the
// request lists the dependency before the file, with the file's comments (source info).
func TestCompileWellKnownTypesWithoutIncludes(t *testing.T) {
	dir := t.TempDir()
	writeProto(t, dir, "a/v1/a.proto", `syntax = "proto3";
package a.v1;
import "google/protobuf/timestamp.proto";
// A thing with a time.
message Thing { google.protobuf.Timestamp at = 1; }
`)
	inv, err := parseArgs([]string{"-I", dir, "--go_out=/tmp/x", "a/v1/a.proto"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := compile(inv)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if len(files) != 2 || files[0].GetName() != "google/protobuf/timestamp.proto" || files[1].GetName() != "a/v1/a.proto" {
		names := []string{}
		for _, f := range files {
			names = append(names, f.GetName())
		}
		t.Fatalf("proto files in the request = %v, want [google/protobuf/timestamp.proto a/v1/a.proto]", names)
	}
	loc := files[1].GetSourceCodeInfo().GetLocation()
	found := false
	for _, l := range loc {
		if strings.Contains(l.GetLeadingComments(), "A thing with a time.") {
			found = true
		}
	}
	if !found {
		t.Fatal("the message's leading comment is not in the request's source info")
	}
	if files[1].GetMessageType()[0].GetField()[0].GetJsonName() != "at" {
		t.Fatalf("json_name not set as protoc sets it: %q", files[1].GetMessageType()[0].GetField()[0].GetJsonName())
	}
}

func TestMissingImportNamesThePathsSearched(t *testing.T) {
	dir := t.TempDir()
	writeProto(t, dir, "b.proto", `syntax = "proto3";
import "shop/common/v1/money.proto";
`)
	inv, err := parseArgs([]string{"-I" + dir, "--go_out=.", "b.proto"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = compile(inv)
	if err == nil || !strings.Contains(err.Error(), `"shop/common/v1/money.proto" not found in the import paths `+dir) {
		t.Fatalf("err = %v, want the missing import and the paths searched", err)
	}
}

func TestParseArgs(t *testing.T) {
	inv, err := parseArgs([]string{"-I", ".", "--go_out=out", "--go_opt=module=m", "--go_opt=x=y", "--go-grpc_out=opt1:grpc", "f.proto"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.gens) != 2 || inv.gens[0].name != "go" || inv.gens[0].out != "out" || strings.Join(inv.gens[0].opts, ",") != "module=m,x=y" {
		t.Fatalf("go generator = %+v", inv.gens[0])
	}
	if inv.gens[1].name != "go-grpc" || inv.gens[1].out != "grpc" || inv.gens[1].opts[0] != "opt1" {
		t.Fatalf("go-grpc generator = %+v", inv.gens[1])
	}
	for _, bad := range [][]string{{"f.proto"}, {"--go_out=x"}, {"--go_opt=a", "f.proto"}, {"--descriptor_set_out", "f.proto"}} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%v) accepted", bad)
		}
	}
}
