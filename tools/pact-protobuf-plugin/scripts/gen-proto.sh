#!/usr/bin/env bash
# Regenerates internal/pluginpb from proto/plugin.proto (Pact's plugin interface, vendored
# from the pact-plugin-driver crate). protoc is Debian's (apt-get install protobuf-compiler);
# the Go plugins are installed at the pinned versions below into tools/pact-protobuf-plugin/.bin
# (gitignored), the same versions targets/shop uses, so the output is byte-identical everywhere.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # google.golang.org/protobuf/cmd/protoc-gen-go
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${dir}/.bin"
protoc="${PROTOC:-protoc}"
protoc_include="${PROTOC_INCLUDE:-/usr/include}"
pkg="faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"

command -v "${protoc}" >/dev/null || { echo "gen-proto: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

install_tool() {
  local name="$1" mod="$2" stamp="${bin_dir}/.${1}.version"
  if [[ -x "${bin_dir}/${name}" && "$(cat "${stamp}" 2>/dev/null)" == "${mod}" ]]; then return; fi
  echo "gen-proto: installing ${mod}" >&2
  GOBIN="${bin_dir}" GOWORK=off GOFLAGS=-mod=mod go install "${mod}"
  echo "${mod}" > "${stamp}"
}
mkdir -p "${bin_dir}"
install_tool protoc-gen-go "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
install_tool protoc-gen-go-grpc "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

cd "${dir}/proto"
rm -rf "${dir}/internal/pluginpb"
mkdir -p "${dir}/internal/pluginpb"
PATH="${bin_dir}:${PATH}" "${protoc}" -I . -I "${protoc_include}" \
  --go_out="${dir}/internal/pluginpb" --go_opt=paths=source_relative --go_opt="Mplugin.proto=${pkg};pluginpb" \
  --go-grpc_out="${dir}/internal/pluginpb" --go-grpc_opt=paths=source_relative --go-grpc_opt="Mplugin.proto=${pkg};pluginpb" \
  plugin.proto
echo "gen-proto: generated $(ls "${dir}/internal/pluginpb" | wc -l) files" >&2
