#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine: system packages for the browser tests
# (Chromium, CJK fonts), the bulletin's PDF check (LibreOffice, poppler) and the Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(chromium fonts-noto-cjk poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui strace)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python3 -m pip install -q -r requirements-dev.txt
