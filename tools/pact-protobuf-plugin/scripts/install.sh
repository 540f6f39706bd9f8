#!/usr/bin/env bash
# Builds the Pact protobuf plugin from this folder's source and installs it as a Pact plugin:
#   <plugin dir>/protobuf-<version>/pact-plugin.json + pact-protobuf-plugin
# Point PACT_PLUGIN_DIR at <plugin dir> and the Pact plugin driver loads it from there (the
# driver downloads a plugin only when none matches: with this installed, nothing is fetched).
# Cached by content: rebuilt only when a source file, go.mod/go.sum or the manifest changed.
#
# Usage: tools/pact-protobuf-plugin/scripts/install.sh [plugin dir]   (default: <repo>/.cache/pact-plugins)
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "${src}/../.." && pwd)"
plugin_dir="${1:-${PACT_PLUGIN_DIR:-${root}/.cache/pact-plugins}}"
version="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "${src}/pact-plugin.json")"
[[ -n "${version}" ]] || { echo "install: no version in ${src}/pact-plugin.json" >&2; exit 1; }
dest="${plugin_dir}/protobuf-${version}"

hash="$(cd "${src}" && find go.mod go.sum pact-plugin.json cmd plugin internal proto -type f \
  \( -name '*.go' -o -name '*.proto' -o -name '*.json' -o -name 'go.*' \) ! -name '*_test.go' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [[ -x "${dest}/pact-protobuf-plugin" && -f "${dest}/pact-plugin.json" && "$(cat "${dest}/.input-hash" 2>/dev/null)" == "${hash}" ]]; then
  exit 0
fi
command -v go >/dev/null || { echo "install: go is not installed (the plugin is built from source)" >&2; exit 1; }
echo "install: building the Pact protobuf plugin ${version} into ${dest}" >&2
tmp="$(mktemp -d "${plugin_dir%/}.tmp.XXXXXX" 2>/dev/null || { mkdir -p "${plugin_dir}"; mktemp -d "${plugin_dir}/.tmp.XXXXXX"; })"
trap 'rm -rf "${tmp}"' EXIT
(cd "${src}" && CGO_ENABLED=0 GOWORK=off go build -trimpath -o "${tmp}/pact-protobuf-plugin" ./cmd/pact-protobuf-plugin)
cp "${src}/pact-plugin.json" "${tmp}/pact-plugin.json"
echo "${hash}" > "${tmp}/.input-hash"
mkdir -p "${plugin_dir}"
rm -rf "${dest}"
mv "${tmp}" "${dest}"
trap - EXIT
echo "install: installed ${dest}" >&2
