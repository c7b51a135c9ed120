#!/usr/bin/env bash
# Installs Prometheus and promtool (Debian's `prometheus` package) if they are missing; quiet when present.
# Used by `make test` (the promtool rule tests) and for `iprx monitoring up`. The package's service is
# never started: a policy-rc.d that denies every start is in place during the install (an existing one,
# such as the Docker images' `exit 101`, is kept as it is), and under systemd it is disabled afterwards.
# Exit 0 when both tools are there afterwards; otherwise one line on stderr and exit 1.
set -u

have_tools() { command -v promtool >/dev/null 2>&1 && [ -x /usr/bin/prometheus ]; }
have_tools && exit 0

fail() { echo "install-prometheus: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  fail "promtool/prometheus missing and not root (no passwordless sudo): run 'apt-get install prometheus' as root"
fi
command -v apt-get >/dev/null 2>&1 || fail "promtool/prometheus missing and no apt-get here: install Prometheus 2.x yourself"

POLICY=/usr/sbin/policy-rc.d
ours=0
if [ ! -e "$POLICY" ]; then
  # Deny service starts for the length of the install; removed again below.
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null && "${SUDO[@]}" chmod 755 "$POLICY" && ours=1
fi
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 prometheus >"$log" 2>&1; then
  # The package lists may be missing (fresh image): update once and try again.
  "${SUDO[@]}" apt-get update -q >>"$log" 2>&1
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 prometheus >>"$log" 2>&1
fi
[ "$ours" -eq 1 ] && "${SUDO[@]}" rm -f "$POLICY"
if [ -d /run/systemd/system ]; then
  # The package enables its service (0.0.0.0:9090) for the next boot; `iprx monitoring up` runs its own.
  "${SUDO[@]}" systemctl disable --now prometheus >>"$log" 2>&1 || true
fi
if ! have_tools; then
  fail "apt-get install prometheus failed: $(grep -E '^E:' "$log" | head -1 || true) (full log: $log)"
fi
rm -f "$log"
echo "installed $(promtool --version 2>&1 | head -1)" >&2
