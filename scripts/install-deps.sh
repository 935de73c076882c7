#!/usr/bin/env bash
# Installs what Lantern needs on a Debian/Ubuntu machine, skipping what is already there:
# PostgreSQL 15 + PostGIS 3 (Debian's packages), a C toolchain, Node.js and npm (to build
# the web app), and with --test the diesel CLI (the schema-drift test runs `diesel
# print-schema`), rustfmt and clippy (the lints), Debian's chromium (the web app's
# browser tests) and schemathesis (the fuzz check, tests/api/fuzz.rs), check-jsonschema
# and frictionless (the HSDS tests) in a Python venv under .lantern/.
set -euo pipefail

with_test_tools=false
[[ "${1:-}" == "--test" ]] && with_test_tools=true

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install the Rust toolchain (https://rustup.rs) and run again" >&2
  exit 1
fi

# The lint step of `make test` needs rustfmt and clippy (rustup's minimal profile has neither).
if $with_test_tools && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
  command -v rustup >/dev/null 2>&1 || { echo "cargo fmt and cargo clippy are missing: install rustfmt and clippy" >&2; exit 1; }
  rustup component add rustfmt clippy
fi

# PostgreSQL 15 + PostGIS 3 as Debian packages them; elsewhere the distribution's own
# version with its PostGIS package (the service finds any /usr/lib/postgresql/*/bin).
pg_packages=(postgresql-15 postgresql-client-15 postgresql-15-postgis-3)
wanted=(build-essential pkg-config ca-certificates curl)
$with_test_tools && wanted+=(libpq-dev python3 python3-venv)
# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
$with_test_tools && [[ ! -x /usr/bin/chromium ]] && wanted+=(chromium)
# Node.js and npm build the web app; Debian's only when none is installed.
command -v node >/dev/null 2>&1 || wanted+=(nodejs)
command -v npm >/dev/null 2>&1 || wanted+=(npm)
missing=()
for pkg in "${pg_packages[@]}" "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  if ! apt-cache show postgresql-15-postgis-3 >/dev/null 2>&1; then
    version=$(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' | sed -E 's/^postgresql-([0-9]+).*/\1/' | sort -n | tail -1)
    [[ -n "$version" ]] || { echo "no postgresql-*-postgis-3 package in this distribution" >&2; exit 1; }
    pg_packages=("postgresql-$version" "postgresql-client-$version" "postgresql-$version-postgis-3")
    missing=("${pg_packages[@]}" "${wanted[@]}")
  fi
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Vite 8 needs Node.js 20.19 or later (Debian 12's own nodejs is 18).
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Node.js $(node --version) is too old for the web app's build: install Node.js 20.19 or later" >&2
  exit 1
fi

# A Debian install starts a system-wide cluster on 5432; Lantern runs its own on 54329
# and does not need it, but leaves it alone.

if $with_test_tools && ! command -v diesel >/dev/null 2>&1; then
  echo "installing diesel_cli (for the schema-drift test)"
  cargo install diesel_cli --version 2.3.14 --no-default-features --features postgres --locked
fi

# schemathesis, pinned, in a venv of the project's own: Debian's Python refuses
# system-wide pip installs (externally managed), and a venv keeps the version exact.
# The HSDS tests use the same venv: check-jsonschema (answers against Open Referral's
# compiled schemas) and frictionless (the exported data package).
schemathesis_version=4.32.5
check_jsonschema_version=0.39.0
frictionless_version=5.21.0
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.lantern/fuzz-venv"
if $with_test_tools && ! { "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$schemathesis_version" \
    && "$venv/bin/check-jsonschema" --version 2>/dev/null | grep -qF "$check_jsonschema_version" \
    && "$venv/bin/frictionless" --version 2>/dev/null | grep -qF "$frictionless_version"; }; then
  echo "installing schemathesis $schemathesis_version, check-jsonschema $check_jsonschema_version and frictionless $frictionless_version into $venv"
  mkdir -p "$root/.lantern"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version" \
    "check-jsonschema==$check_jsonschema_version" "frictionless==$frictionless_version"
fi
