#!/usr/bin/env bash
# Browser tests need Debian's chromium and its chromedriver. `make test` runs this first: it installs
# them when they are missing and the machine lets us (root or sudo, apt). When it cannot, it says why
# and the browser tests skip with that reason; everything else still runs.
set -u
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install_browser: not root and no passwordless sudo; browser tests will be skipped" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "install_browser: no apt-get here; install chromium + chromedriver to run the browser tests" >&2
  exit 0
fi
echo "install_browser: installing Debian's chromium and chromium-driver (once per machine)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q chromium chromium-driver >/tmp/dnaportal-install-browser.log 2>&1 || {
  $SUDO apt-get update -q >>/tmp/dnaportal-install-browser.log 2>&1
  $SUDO apt-get install -y -q chromium chromium-driver >>/tmp/dnaportal-install-browser.log 2>&1
} || {
  echo "install_browser: apt-get failed (see /tmp/dnaportal-install-browser.log); browser tests will be skipped" >&2
  exit 0
}
echo "install_browser: $(chromium --version 2>/dev/null | head -1)"
