#!/usr/bin/env bash
# install-sqlalchemy2.sh: makes the plugin's own ORM models (__tests__/fixtures/shared/plugin/database_management.py)
# importable by Debian 12's /usr/bin/python3, so __tests__/interop/plugin-reads-ours.test.ts can load our database
# through them. Origin: the project's shared tools (tools/install-sqlalchemy2.sh), copied unchanged but for this header;
# .ci/run calls it. Debian 12 ships SQLAlchemy 1.4, which has
# no DeclarativeBase; this fetches Debian 13's python3-sqlalchemy (2.0.x) and python3-typing-extensions with
# `apt-get download` through a private, temporary apt state (the system's sources and dpkg database are untouched) and
# copies their pure-Python files into /usr/local/lib/python3.11/dist-packages, which comes first on sys.path.
# Idempotent and quiet: exits 0 at once when `import sqlalchemy` already gives 2.x. Needs root otherwise.
# Usage: bash install-sqlalchemy2.sh   (then: /usr/bin/python3 -c 'import sqlalchemy; print(sqlalchemy.__version__)')
set -euo pipefail
PY=/usr/bin/python3
ok() { $PY -c 'import sqlalchemy, sys; sys.exit(0 if sqlalchemy.__version__.startswith("2.") else 1)' >/dev/null 2>&1; }
ok && exit 0
[ "$(id -u)" = 0 ] || { echo "install-sqlalchemy2.sh: must run as root" >&2; exit 1; }
SITE=$($PY -c 'import sys; print("/usr/local/lib/python%d.%d/dist-packages" % sys.version_info[:2])')
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
A=$W/apt; mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/debs" "$A/x"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${DEBIAN_MIRROR:-http://deb.debian.org/debian} trixie main" > "$A/sources.list"
APT=(-o "Dir::Etc::sourcelist=$A/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache" -o "APT::Get::List-Cleanup=0")
apt-get "${APT[@]}" update -q > "$W/log" 2>&1 || { echo "install-sqlalchemy2.sh: apt-get update (trixie) failed" >&2; tail -5 "$W/log" >&2; exit 1; }
(cd "$A/debs" && apt-get "${APT[@]}" download python3-sqlalchemy python3-typing-extensions) >> "$W/log" 2>&1 || { echo "install-sqlalchemy2.sh: download failed" >&2; tail -5 "$W/log" >&2; exit 1; }
for f in "$A"/debs/*.deb; do dpkg-deb -x "$f" "$A/x"; done
mkdir -p "$SITE"; (cd "$SITE" && rm -rf sqlalchemy SQLAlchemy-*.dist-info SQLAlchemy-*.egg-info typing_extensions.py typing_extensions-*.dist-info)
cp -r "$A"/x/usr/lib/python3/dist-packages/. "$SITE"/
ok || { echo "install-sqlalchemy2.sh: SQLAlchemy 2 still does not import" >&2; exit 1; }
