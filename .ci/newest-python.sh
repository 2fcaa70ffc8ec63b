#!/usr/bin/env bash
# Run the fast tests (-m "not slow") on the newest CPython that pyenv holds, in a fresh venv
# with the newest releases of the dependencies that install there (pip --upgrade).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${PYENV_ROOT:-$HOME/.pyenv}"
newest=""
if [ -d "$root/versions" ]; then
    newest=$(ls "$root/versions" | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
fi
if [ -z "$newest" ]; then
    echo "no pyenv Python found under $root/versions; skipping the newest-Python run"
    exit 0
fi
python="$root/versions/$newest/bin/python3"
echo "fast tests on Python $newest"
venv=.venv-$newest
"$python" -m venv "$venv"
"$venv/bin/pip" install --upgrade -e '.[test]'
"$venv/bin/python" -c 'import mesa, sys; print("python", sys.version.split()[0], "mesa", mesa.__version__)'
"$venv/bin/python" -m pytest -m "not slow" -p no:cacheprovider
