#!/usr/bin/env bash
# Builds the single-node cluster's programs from the Go module proxy into <dest> (default
# ~/.cache/faultline/cluster/bin, shared by every checkout like the other build caches), each module cached by content: a module is rebuilt only when its
# go.mod, go.sum, Go sources or the Go toolchain changed.
#
#   kube     kube apiserver|controller-manager|scheduler|kubelet|proxy|kubectl (k8s.io/kubernetes)
#   etcd     go.etcd.io/etcd/server/v3 (a module of its own: its deps need not agree with k8s')
#   node     containerd, ctr, containerd-shim-runc-v2, runc (with seccomp), the CNI
#            plugins bridge/host-local/loopback/portmap/firewall, and the pod sandbox's pause program
#   dns      CoreDNS with the plugins cluster DNS needs
#
# Usage: tools/cluster/scripts/build.sh [dest] [module...]
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "${src}/../.." && pwd)"
dest="${1:-${FAULTLINE_CLUSTER_BIN_DIR:-${FAULTLINE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/faultline}/cluster/bin}}"
shift || true
modules=("$@")
[[ ${#modules[@]} -gt 0 ]] || modules=(kube etcd node dns)
command -v go >/dev/null || { echo "cluster build: go is not installed (the cluster is built from source)" >&2; exit 1; }
export GOWORK=off GOFLAGS="-trimpath -mod=mod" GOTOOLCHAIN=local
mkdir -p "${dest}"
dest="$(cd "${dest}" && pwd)"

hash_of() { # module dir -> content hash of its inputs, the toolchain and the build commands
  (cd "$1" && { go version; declare -f build_module; find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) ! -name '*_test.go' -print0 \
    | sort -z | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1)
}

build_module() { # name -> go build commands for that module, run inside it
  local out="$1"
  case "$2" in
    kube) # The version the components report (k8s' own build stamps these the same way).
      local v; v="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"; v="${v#v}"
      local pkg=k8s.io/component-base/version
      CGO_ENABLED=0 go build -o "${out}/kube" -ldflags="-s -w -X ${pkg}.gitVersion=v${v} \
        -X ${pkg}.gitMajor=${v%%.*} -X ${pkg}.gitMinor=$(cut -d. -f2 <<<"${v}") -X ${pkg}.gitTreeState=clean" . ;;
    etcd) CGO_ENABLED=0 go build -ldflags='-s -w' -o "${out}/etcd" . ;;
    dns) CGO_ENABLED=0 go build -ldflags='-s -w' -o "${out}/coredns" . ;;
    node)
      CGO_ENABLED=0 go build -ldflags='-s -w' -o "${out}/" \
        github.com/containerd/containerd/v2/cmd/containerd \
        github.com/containerd/containerd/v2/cmd/ctr \
        github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
        github.com/containernetworking/plugins/plugins/main/bridge \
        github.com/containernetworking/plugins/plugins/main/loopback \
        github.com/containernetworking/plugins/plugins/ipam/host-local \
        github.com/containernetworking/plugins/plugins/meta/portmap \
        github.com/containernetworking/plugins/plugins/meta/firewall
      # runc's nsenter is C (cgo); seccomp (libseccomp-dev, scripts/system-packages.tsv) because
      # containerd gives every pod sandbox a seccomp profile and a runc without it refuses them.
      CGO_ENABLED=1 go build -tags seccomp -ldflags='-s -w' -o "${out}/runc" github.com/opencontainers/runc
      CGO_ENABLED=0 go build -ldflags='-s -w' -o "${out}/pause" ./pause ;;
    *) echo "cluster build: unknown module '$2' (known: kube, etcd, node, dns)" >&2; return 1 ;;
  esac
}

for m in "${modules[@]}"; do
  h="$(hash_of "${src}/${m}")"
  if [[ "$(cat "${dest}/.${m}.hash" 2>/dev/null)" == "${h}" ]]; then continue; fi
  echo "cluster build: building ${m} (cached by content in ${dest})" >&2
  start=$(date +%s)
  tmp="$(mktemp -d "${dest}/.tmp.${m}.XXXXXX")"
  (cd "${src}/${m}" && nice -n 10 bash -c "$(declare -f build_module); build_module '${tmp}' '${m}'") \
    || { rm -rf "${tmp}"; exit 1; }
  mv -f "${tmp}"/* "${dest}/"
  rm -rf "${tmp}"
  echo "${h}" > "${dest}/.${m}.hash"
  echo "cluster build: ${m} built in $(( $(date +%s) - start )) s" >&2
done
