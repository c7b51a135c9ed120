#!/usr/bin/env bash
# Installs Debian's `chromium` if it is missing; quiet when present. Used by `make test`: the HTML report
# test (tests/integration/test_report_html.py) renders the report in headless Chromium.
# Exit 0 when chromium is there afterwards; otherwise one line on stderr and exit 1 (the test then fails,
# saying why).
set -u

command -v chromium >/dev/null 2>&1 && exit 0

fail() { echo "install-chromium: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  fail "chromium missing and not root (no passwordless sudo): run 'apt-get install chromium' as root"
fi
command -v apt-get >/dev/null 2>&1 || fail "chromium missing and no apt-get here: install Chromium yourself"

log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 chromium >"$log" 2>&1; then
  # The package lists may be missing (fresh image): update once and try again.
  "${SUDO[@]}" apt-get update -q >>"$log" 2>&1
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 chromium >>"$log" 2>&1
fi
command -v chromium >/dev/null 2>&1 || fail "apt-get install chromium failed; see $log"
rm -f "$log"
