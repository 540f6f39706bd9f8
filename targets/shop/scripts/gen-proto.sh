#!/usr/bin/env bash
# Regenerates the Go code for every proto under targets/shop/proto/shop/**.
#
# The .proto files are compiled by tools/protogen (bufbuild/protocompile, which carries the
# well-known types such as google/protobuf/timestamp.proto), which runs the pinned Go code
# generators; no system protoc or include files are needed. tools/protogen/install.sh puts all
# three into targets/shop/.bin (gitignored). PROTOGEN_TOOLS names the tools/protogen folder when
# this script runs from a copy of the shop outside the project (the contract tests do that).
#
# Usage: targets/shop/scripts/gen-proto.sh
set -euo pipefail

shop_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${shop_dir}/.bin"
proto_dir="${shop_dir}/proto"
tools="${PROTOGEN_TOOLS:-${shop_dir}/../../tools/protogen}"
[[ -f "${tools}/install.sh" ]] || {
  echo "gen-proto: ${tools}/install.sh not found; set PROTOGEN_TOOLS to the project's tools/protogen folder" >&2; exit 1; }
bash "${tools}/install.sh" "${bin_dir}"

cd "${proto_dir}"
rm -rf gen
mkdir -p gen
mapfile -t protos < <(find shop -name '*.proto' | sort)

# module= strips the module path from go_package, so faultline.dev/shop/proto/gen/shop/x/v1
# lands in proto/gen/shop/x/v1.
PATH="${bin_dir}:${PATH}" "${bin_dir}/protogen" \
  -I . \
  --go_out=. --go_opt=module=faultline.dev/shop/proto \
  --go-grpc_out=. --go-grpc_opt=module=faultline.dev/shop/proto \
  "${protos[@]}"

echo "gen-proto: generated $(find gen -name '*.go' | wc -l) files from ${#protos[@]} protos" >&2
