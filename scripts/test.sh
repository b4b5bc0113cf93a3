#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs Qingshan with its test tools into
# .venv, makes sure PostgreSQL answers on loopback and Debian's Chromium and Chinese font
# (fonts-wqy-zenhei, for the PDF reports) are installed, then
# runs ruff, mypy and pytest (DuckDB, PostgreSQL and the browser tests). Used by the README
# and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e ".[dev]"

# PostgreSQL on 127.0.0.1:5432 (trust auth for user postgres), started if it is down.
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL is not installed; installing it from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  fi
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  done
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! pg_up; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2
  exit 1
fi
export QINGSHAN_REQUIRE_POSTGRES=1
export QINGSHAN_TEST_PG=${QINGSHAN_TEST_PG:-postgresql://postgres@127.0.0.1:5432/postgres}

# Chromium for the browser tests (tests/browser): Debian's package, driven by the Playwright
# that .[dev] installed. No browser is downloaded (never `playwright install`).
if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is not installed; installing it from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
export QINGSHAN_REQUIRE_BROWSER=1

# The Chinese font of the PDF reports (docs/reports.md): Debian's package, never downloaded
# at run time nor kept in the repository.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
  echo "fonts-wqy-zenhei is not installed; installing it from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei >/dev/null
fi

.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
