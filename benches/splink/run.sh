#!/bin/sh
# Side by side: qualify's matcher and Splink (DuckDB backend) on the same
# generated data. Usage: benches/splink/run.sh DATA_DIR [qualify run flags...]
# DATA_DIR comes from `qualify-gen linkage` (see README, "Fuzzy matching").
# Installs Splink from PyPI into benches/splink/.venv (gitignored) on first use.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${1:?usage: benches/splink/run.sh DATA_DIR [qualify run flags...]}"
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
fi
exec "$here/.venv/bin/python" "$here/compare.py" "$@"
