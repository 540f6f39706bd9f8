#!/usr/bin/env bash
# faultline's one set-up entry point; `npm start`, `npm test` and .ci/run all run it first.
# Idempotent: when everything is in place it finishes in a few seconds.
#   1. npm dependencies (npm ci when package-lock.json changed)
#   2. a Docker engine: installs Debian's docker.io when absent and starts dockerd when none answers
#   3. the build tools the image pipeline needs (debootstrap; Go, Java and Maven must already be there)
#      and Debian's Chromium for the report's browser tests (suites/e2e; never a downloaded browser)
#   4. every image (faultline's own and each target's services, as their manifests say), built offline
#      and cached by the hash of its inputs
# FAULTLINE_SKIP_IMAGES=1 skips step 4.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
export PACT_DO_NOT_TRACK=true SCARF_ANALYTICS=false PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 TESTCONTAINERS_RYUK_DISABLED=true

say() { printf 'setup: %s\n' "$*" >&2; }
die() {
  printf 'setup: error: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }
apt_updated=""
apt_install() {
  is_root || die "need to install Debian packages ($*) but not running as root." \
    "Fix: sudo apt-get install -y $*   (then run this again)"
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. npm dependencies ---------------------------------------------------------------------------
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
marker=node_modules/.faultline-lock-hash
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$marker"
fi

# 2. Docker engine ------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io
  fi
  is_root || die "no Docker engine answers, and starting dockerd needs root." \
    "Fix: sudo dockerd > /var/log/dockerd.log 2>&1 &   (or: sudo systemctl start docker)" \
    "     or run: sudo npm run setup"
  log=/var/log/faultline-dockerd.log
  say "starting dockerd (log: $log)"
  nohup setsid dockerd >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    if ! pgrep -x dockerd >/dev/null; then
      die "dockerd exited at start. Its last log lines:" "$(tail -n 15 "$log")" "Full log: $log"
    fi
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s." "$(tail -n 15 "$log")" "Full log: $log"
fi
say "docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# 3. Build tools --------------------------------------------------------------------------------
command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
[ -x /usr/bin/chromium ] || apt_install chromium
for tool in go java mvn; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed; the image pipeline needs Go, Java 17 and Maven." \
    "Fix: install them (Debian: apt-get install golang openjdk-17-jdk-headless maven), then run this again."
done

# 4. Pact protobuf plugin (gRPC contracts): built from tools/pact-protobuf-plugin into the
#    project's plugin folder, which every contract test points PACT_PLUGIN_DIR at, so the Pact
#    plugin driver never downloads a plugin. protoc (Debian's) compiles the .proto files.
command -v protoc >/dev/null 2>&1 || apt_install protobuf-compiler
bash "$root/tools/pact-protobuf-plugin/scripts/install.sh" "$root/.cache/pact-plugins"

# 5. Images -------------------------------------------------------------------------------------
if [ "${FAULTLINE_SKIP_IMAGES:-}" != "1" ]; then
  node "$root/bin/faultline.mjs" images build
fi
