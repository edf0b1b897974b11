#!/usr/bin/env bash
# Run every benchmark in turn; each prints its table and a copy goes to bench/out/NAME.txt.
# Whole run on 2 cores: ~40 min cold (SciFact embedding ~5-18 min, LLM-Bible ~15-20 min),
# ~15 min when bench/out/scifact-home already holds the SciFact embeddings.
# Arguments go to scale.py, e.g. `bench/run_all.sh --limit 2000` for a quick pass.
# Run it with nothing else busy on the machine: every figure is wall-clock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && PY=.venv/bin/python
mkdir -p bench/out
"$PY" bench/parsing.py | tee bench/out/parsing.txt
"$PY" bench/retrieval_scifact.py --home bench/out/scifact-home | tee bench/out/retrieval_scifact.txt
"$PY" bench/fusion_scifact.py --home bench/out/scifact-home | tee bench/out/fusion_scifact.txt
"$PY" bench/scale.py "$@" | tee bench/out/scale.txt
