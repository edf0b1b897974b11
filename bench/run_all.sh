#!/usr/bin/env bash
# Run every benchmark in turn; each prints its table and a copy goes to bench/out/NAME.txt.
# Libraries are kept in bench/out/scifact-home and bench/out/scale-home so that embeddings are
# computed once: the first run takes ~60 min on 2 cores (SciFact ~15k and LLM-Bible ~52k
# passages to embed), later runs ~20 min. Delete those folders for cold embedding figures.
# Arguments go to scale.py, e.g. `bench/run_all.sh --limit 2000` for a quick pass (use a
# fresh bench/out/scale-home when switching between a limited and a full library).
# Run it with nothing else busy on the machine: every figure is wall-clock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && PY=.venv/bin/python
mkdir -p bench/out
"$PY" bench/parsing.py | tee bench/out/parsing.txt
"$PY" bench/retrieval_scifact.py --home bench/out/scifact-home | tee bench/out/retrieval_scifact.txt
"$PY" bench/fusion_scifact.py --home bench/out/scifact-home | tee bench/out/fusion_scifact.txt
"$PY" bench/verify_backends.py | tee bench/out/verify_backends.txt
"$PY" bench/verifier_v2.py | tee bench/out/verifier_v2.txt
"$PY" bench/support_precision.py | tee bench/out/support_precision.txt
"$PY" bench/extract_offline.py | tee bench/out/extract_offline.txt
"$PY" bench/records.py | tee bench/out/records.txt
"$PY" bench/pubmedqa.py | tee bench/out/pubmedqa.txt
"$PY" bench/answer_questions.py | tee bench/out/answer_questions.txt
"$PY" bench/embed_batching.py --home bench/out/scifact-home | tee bench/out/embed_batching.txt
"$PY" bench/scale.py --home bench/out/scale-home "$@" | tee bench/out/scale.txt
"$PY" bench/bm25_postings.py --home bench/out/scale-home | tee bench/out/bm25_postings.txt
"$PY" bench/ask_e2e.py --home bench/out/scale-home | tee bench/out/ask_e2e.txt
