#!/usr/bin/env bash
# Regenerates internal/pluginpb from proto/plugin.proto (Pact's plugin interface, vendored
# from the pact-plugin-driver crate). The .proto is compiled by tools/protogen (no system protoc
# or include files needed), which runs the pinned Go code generators; tools/protogen/install.sh
# puts all three into tools/pact-protobuf-plugin/.bin (gitignored), the same versions
# targets/shop uses, so the output is byte-identical everywhere.
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${dir}/.bin"
pkg="faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"
bash "${dir}/../protogen/install.sh" "${bin_dir}"

cd "${dir}/proto"
rm -rf "${dir}/internal/pluginpb"
mkdir -p "${dir}/internal/pluginpb"
PATH="${bin_dir}:${PATH}" "${bin_dir}/protogen" -I . \
  --go_out="${dir}/internal/pluginpb" --go_opt=paths=source_relative --go_opt="Mplugin.proto=${pkg};pluginpb" \
  --go-grpc_out="${dir}/internal/pluginpb" --go-grpc_opt=paths=source_relative --go-grpc_opt="Mplugin.proto=${pkg};pluginpb" \
  plugin.proto
echo "gen-proto: generated $(ls "${dir}/internal/pluginpb" | wc -l) files" >&2
