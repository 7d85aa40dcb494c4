#!/usr/bin/env bash
# One prepared run of every GPU measurement, for a session lent a CUDA machine (the device tool runs it in the
# repository root). Everything it prints is also written under ${OUT:-build/gpu_session}.
#
# The GPU image has torch, onnxruntime, transformers, pillow, numpy and scipy but not this project's own small
# dependencies; carry them as wheels for its Python (3.12 there), and the photos, in two ignored folders:
#
#   echo /.whl/ >> .git/info/exclude; echo /gpu_data/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
#     pydantic==2.14.4 pydantic_core==2.50.5 pydantic-settings==2.16.3 python-dotenv==1.2.4 \
#     annotated-types==0.8.0 typing-inspection==0.4.5 efficientnet-lite-pytorch==0.1.0
#   mkdir -p gpu_data/clothing_small && cp -r ../shared/data/clothing_small/{test,labels.csv} gpu_data/clothing_small/
#
# then run `bash bench/gpu_session.sh` with carry [".whl", "gpu_data"] (about 2 minutes of device time on an H200,
# plus the machine's start). The style sweep (bench/style_sweep.py) needs the training photos too and more than the
# 64 MiB a call may carry with the committed weights: see its docstring and BENCHMARKS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-build/gpu_session}
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/stylist-site .whl/*.whl \
        || exit 1
    export PYTHONPATH=/tmp/stylist-site:.
fi
export PYTHONUNBUFFERED=1
data=gpu_data/clothing_small/test
[ -d "$data" ] || data=../shared/data/clothing_small/test
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/device.txt"
python3 -m bench.gpu_speed --data "$data" 2>&1 | tee "$out/gpu_speed.txt"
python3 -m bench.prep_threads --device cuda --threads "$(nproc)" --chunk 256 --data "$data" 2>&1 | tee "$out/prep_threads.txt"
