#!/usr/bin/env bash
# Builds the mutant generator from this folder's source into <dest>/mutate (default
# <repo>/.cache/tools/mutate). Cached by content: rebuilt only when a source file or
# go.mod/go.sum changed. Prints the binary's path on stdout.
#
# Usage: tools/mutate/scripts/install.sh [dest dir]
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "${src}/../.." && pwd)"
dest="${1:-${root}/.cache/tools/mutate}"

hash="$(cd "${src}" && find go.mod go.sum cmd mutate -type f \( -name '*.go' -o -name 'go.*' \) \
  ! -name '*_test.go' ! -path '*/testdata/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [[ -x "${dest}/mutate" && "$(cat "${dest}/.input-hash" 2>/dev/null)" == "${hash}" ]]; then
  echo "${dest}/mutate"
  exit 0
fi
command -v go >/dev/null || { echo "install: go is not installed (the mutant generator is built from source)" >&2; exit 1; }
echo "install: building the mutant generator into ${dest}" >&2
mkdir -p "${dest}"
tmp="$(mktemp -d "${dest}/.tmp.XXXXXX")"
trap 'rm -rf "${tmp}"' EXIT
(cd "${src}" && CGO_ENABLED=0 GOWORK=off go build -trimpath -o "${tmp}/mutate" ./cmd/mutate)
mv "${tmp}/mutate" "${dest}/mutate"
echo "${hash}" > "${dest}/.input-hash"
echo "${dest}/mutate"
