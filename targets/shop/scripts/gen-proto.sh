#!/usr/bin/env bash
# Regenerates the Go code for every proto under targets/shop/proto/shop/**.
#
# protoc comes from Debian (apt-get install protobuf-compiler, which also ships
# google/protobuf/*.proto under /usr/include). The Go plugins are installed with
# `go install` at the pinned versions below into targets/shop/.bin (gitignored),
# so every engineer and CI generates byte-identical code.
#
# Usage: targets/shop/scripts/gen-proto.sh
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # google.golang.org/protobuf/cmd/protoc-gen-go
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

shop_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${shop_dir}/.bin"
proto_dir="${shop_dir}/proto"
protoc="${PROTOC:-protoc}"
protoc_include="${PROTOC_INCLUDE:-/usr/include}"

command -v "${protoc}" >/dev/null || { echo "gen-proto: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
[[ -f "${protoc_include}/google/protobuf/timestamp.proto" ]] || {
  echo "gen-proto: ${protoc_include}/google/protobuf/timestamp.proto not found; set PROTOC_INCLUDE" >&2; exit 1; }

# install_tool <binary> <module path>@<version>: installs once per version into .bin.
install_tool() {
  local name="$1" pkg="$2" stamp="${bin_dir}/.${1}.version"
  if [[ -x "${bin_dir}/${name}" && "$(cat "${stamp}" 2>/dev/null)" == "${pkg}" ]]; then
    return
  fi
  echo "gen-proto: installing ${pkg}" >&2
  GOBIN="${bin_dir}" GOWORK=off GOFLAGS=-mod=mod go install "${pkg}"
  echo "${pkg}" > "${stamp}"
}

mkdir -p "${bin_dir}"
install_tool protoc-gen-go "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
install_tool protoc-gen-go-grpc "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

cd "${proto_dir}"
rm -rf gen
mkdir -p gen
mapfile -t protos < <(find shop -name '*.proto' | sort)

# module= strips the module path from go_package, so faultline.dev/shop/proto/gen/shop/x/v1
# lands in proto/gen/shop/x/v1.
PATH="${bin_dir}:${PATH}" "${protoc}" \
  -I . -I "${protoc_include}" \
  --go_out=. --go_opt=module=faultline.dev/shop/proto \
  --go-grpc_out=. --go-grpc_opt=module=faultline.dev/shop/proto \
  "${protos[@]}"

echo "gen-proto: generated $(find gen -name '*.go' | wc -l) files from ${#protos[@]} protos" >&2
