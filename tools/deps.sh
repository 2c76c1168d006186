#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only when missing.
set -euo pipefail
# The python3-fastapi line runs make bench's FastAPI peer (../shared/peers/fastapi).
pkgs=(build-essential pkg-config clang libclang-rt-14-dev
      libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev sqlite3 libpq-dev
      libcurl4-openssl-dev libssl-dev libcmocka-dev libutf8proc-dev libzip-dev libxml2-dev
      poppler-utils qpdf
      postgresql nginx-light wrk curl python3 python3-pytest python3-requests python3-aiosmtpd python3-cryptography
      chromium chromium-driver openssl
      python3-fastapi python3-uvicorn python3-uvloop python3-httptools)
# Node.js and npm build the SPA and the common-password list; the machine's own are fine.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
