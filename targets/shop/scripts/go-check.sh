#!/usr/bin/env bash
# Runs go vet, staticcheck and `go test -race -count=1` for the given Go modules of
# targets/shop (default: every module in go.work). staticcheck is installed once at the
# pinned version below into targets/shop/.bin (gitignored).
#
# Usage: targets/shop/scripts/go-check.sh [module ...]     e.g. go-check.sh platform payments
# PostgreSQL tests run the faultline/postgres:15 image through testcontainers-go (Ryuk off).
# With GO_TEST_JSON=<file>, `go test -json` events are appended to that file instead of the
# usual output (the harness reads them to check that no test was skipped).
set -euo pipefail

STATICCHECK_VERSION=v0.8.2   # honnef.co/go/tools/cmd/staticcheck
# Tests run with the build tags of the images (each service's build.tags in faultline.yaml;
# keep the two in step), so what ships is what is tested.
IMAGE_TAGS=grpcnotrace,nethttpomithttp2,nopgxregisterdefaulttypes

shop_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${shop_dir}/.bin"
export TESTCONTAINERS_RYUK_DISABLED=true

pkg="honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
if [[ ! -x "${bin_dir}/staticcheck" || "$(cat "${bin_dir}/.staticcheck.version" 2>/dev/null)" != "${pkg}" ]]; then
  echo "go-check: installing ${pkg}" >&2
  mkdir -p "${bin_dir}"
  GOBIN="${bin_dir}" GOWORK=off GOFLAGS=-mod=mod go install "${pkg}"
  echo "${pkg}" > "${bin_dir}/.staticcheck.version"
fi

if [[ $# -eq 0 ]]; then
  mapfile -t modules < <(cd "${shop_dir}" && go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')
else
  modules=("$@")
fi

status=0
for m in "${modules[@]}"; do
  echo "== ${m}" >&2
  # `&&`, not set -e: set -e is off inside a subshell whose status `||` tests, which let a
  # vet or staticcheck failure pass unnoticed when the tests after it passed.
  (
    cd "${shop_dir}/${m}" &&
      go vet ./... &&
      "${bin_dir}/staticcheck" ./... &&
      if [[ -n "${GO_TEST_JSON:-}" ]]; then
        go test -json -race -count=1 -tags="${IMAGE_TAGS}" ./... >> "${GO_TEST_JSON}"
      else
        go test -race -count=1 -tags="${IMAGE_TAGS}" ./...
      fi
  ) || status=1
done
exit "${status}"
