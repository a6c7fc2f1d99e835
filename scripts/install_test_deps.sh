#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine: system packages for the browser tests
# (Chromium, CJK fonts), the bulletin's PDF check (LibreOffice, poppler), Node.js with the npm package
# oidc-provider for the single-sign-on tests (tests/oidc), the server store and deployment tests (PostgreSQL:
# the tests start their own throw-away cluster as the package's `postgres` user; nginx: the tests start their
# own instance) and the Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(chromium fonts-noto-cjk poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui nodejs postgresql nginx strace)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian ships npm apart from nodejs; some nodejs builds (NodeSource) bring their own npm
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python3 -m pip install -q -r requirements-dev.txt

# The OpenID Connect provider the single-sign-on tests start on loopback, at the versions of its lock file.
(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
