#!/usr/bin/env bash
# Install Debian's headless Chromium and the CJK fonts the explorer's browser test needs.
# Idempotent: does nothing when both are already present. Run as root (CI runs as root).
set -euo pipefail

if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "chromium and fonts-noto-cjk already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fontconfig >/dev/null
fc-cache -f >/dev/null 2>&1 || true
/usr/bin/chromium --version
