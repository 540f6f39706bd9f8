#!/usr/bin/env bash
# Installs into BIN_DIR what the project's gen-proto scripts run: protogen (this folder: .proto
# files compiled with bufbuild/protocompile, the well-known types built in, so no protoc and no
# libprotobuf-dev) and the pinned code generators protoc-gen-go and protoc-gen-go-grpc, so every
# engineer and CI generates byte-identical code. Each is rebuilt only when its version (for
# protogen: the hash of its sources) changes.
#
# Usage: tools/protogen/install.sh BIN_DIR
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # google.golang.org/protobuf/cmd/protoc-gen-go
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${1:?usage: install.sh BIN_DIR}"
mkdir -p "${bin_dir}"
command -v go >/dev/null || { echo "protogen: go not found on PATH (scripts/setup.sh installs the Go toolchain)" >&2; exit 1; }

# fresh <name> <version>: true when bin_dir/<name> was built at <version>.
fresh() { [[ -x "${bin_dir}/$1" && "$(cat "${bin_dir}/.$1.version" 2>/dev/null)" == "$2" ]]; }

install_tool() {
  local name="$1" pkg="$2"
  fresh "${name}" "${pkg}" && return
  echo "protogen: installing ${pkg}" >&2
  GOBIN="${bin_dir}" GOWORK=off GOFLAGS=-mod=mod go install "${pkg}"
  echo "${pkg}" > "${bin_dir}/.${name}.version"
}
install_tool protoc-gen-go "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
install_tool protoc-gen-go-grpc "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

sum="$(cat "${src}/go.mod" "${src}/go.sum" "${src}"/*.go | sha256sum | cut -c1-16)"
if ! fresh protogen "${sum}"; then
  echo "protogen: building ${src}" >&2
  (cd "${src}" && GOWORK=off go build -trimpath -o "${bin_dir}/protogen" .)
  echo "${sum}" > "${bin_dir}/.protogen.version"
fi
