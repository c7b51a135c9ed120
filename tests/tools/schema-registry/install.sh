#!/usr/bin/env bash
# Build the test schema registry's own virtualenv (Karapace 3.15.2 and its pinned PyPI requirements).
#   install.sh   -> prints the venv directory; a no-op when that venv is already complete.
# The venv lives outside the checkout, keyed by the pins, so a fresh clone reuses it and a change of
# pins rebuilds it. Karapace is not on PyPI: its source is the vendored archive beside this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(cat "$here/requirements.txt" "$here/karapace-3.15.2-src.tar.gz" | sha256sum | cut -c1-12)
cache=${IPRX_SCHEMA_REGISTRY_CACHE:-$HOME/.cache/iprx/karapace-3.15.2-$key}
if [ -x "$cache/venv/bin/karapace" ] && [ -f "$cache/.complete" ]; then echo "$cache"; exit 0; fi
# Karapace 3.15.2 runs on Python 3.8-3.11; newer interpreters break its pinned requirements.
py=""
for candidate in ${PYTHON:-} python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    py="$candidate"; break
  fi
done
[ -n "$py" ] || { echo "schema registry: Python 3.11 is required (set PYTHON)" >&2; exit 2; }
echo "[schema-registry] building $cache (Karapace 3.15.2, PyPI requirements; 1-2 minutes)" >&2
rm -rf "$cache"; mkdir -p "$cache"
tar -xzf "$here/karapace-3.15.2-src.tar.gz" -C "$cache"
"$py" -m venv "$cache/venv"
log="$cache/install.log"
"$cache/venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >"$log" 2>&1 \
  || { tail -20 "$log" >&2; echo "schema registry: pip install failed (log: $log)" >&2; exit 1; }
(cd "$cache/karapace-3.15.2" && KARAPACE_VERSION=3.15.2 "$cache/venv/bin/pip" install -q --no-deps -e . >>"$log" 2>&1) \
  || { tail -20 "$log" >&2; echo "schema registry: karapace install failed (log: $log)" >&2; exit 1; }
touch "$cache/.complete"
echo "$cache"
