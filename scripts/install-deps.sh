#!/usr/bin/env bash
# Installs everything Throome needs to build, test and benchmark on Debian 12.
# Idempotent: packages already present are left alone; safe to run any number of times.
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake ninja-build pkg-config ccache git curl ca-certificates
  # libraries
  libboost1.81-dev libssl-dev libhiredis-dev libpqxx-dev libpq-dev librdkafka-dev
  prometheus-cpp-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev googletest
  # the fuzz targets: clang with libFuzzer's runtime (libclang_rt.fuzzer)
  clang libclang-rt-14-dev
  # real servers and independent peers used by tests and benchmarks
  redis-server redis-tools postgresql postgresql-client postgresql-contrib kcat wrk webdis
  prometheus procps iproute2 python3 openssl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# policy-rc.d keeps Debian from starting system-wide redis/postgres/prometheus services:
# Throome's tests and demo start their own private servers on free loopback ports.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" -eq 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
