#!/usr/bin/env bash
# The built wheel works on its own: build it, install it (not editable) into a fresh virtual
# environment, and from a folder outside the checkout ingest a small snapshot slice and a PDF,
# ask a question of the library and digest the PDF, so every report, card and prompt template
# renders from the installed package. Run by .ci/run; needs ../shared/data beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DATA="$ROOT/../shared/data"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python -m build --wheel --outdir "$WORK/dist" . >/dev/null
WHEEL=$(ls "$WORK"/dist/synth-*.whl)
python - "$WHEEL" <<'PY'
import sys, zipfile
from pathlib import Path
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
wanted = [f"synth/templates/{p.name}" for p in Path("synth/templates").glob("*.j2")]
wanted += [f"synth/data/{p.name}" for p in Path("synth/data").iterdir()]
missing = [w for w in wanted if w not in names]
if missing or any(n.startswith("training/") for n in names):
    sys.exit(f"the wheel lacks {missing} or carries training/")
PY
python -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q torch==2.13.0
"$WORK/venv/bin/pip" install -q "$WHEEL"
cd "$WORK"
export SYNTH_HOME="$WORK/home"
head -n 40 "$DATA/arxiv-abstracts/llm-bible/llm_bible_efficiency_subset.jsonl" > slice.jsonl
SYNTH="$WORK/venv/bin/synth"
"$SYNTH" ingest -q slice.jsonl "$DATA/arxiv-pdfs/2501.10120v1.pdf"
# dense search through the ANN index file, as a large library has it (usearch from the wheel's deps)
SYNTH_ANN_MIN=10 "$SYNTH" search "weight quantization memory" --top 3 >/dev/null
ls "$SYNTH_HOME"/index/*.usearch >/dev/null
"$SYNTH" ask "Does quantization reduce the memory use of large language models?" \
  --source library --out "$WORK/out" -q
ls "$WORK"/out/*.md "$WORK"/out/*.html "$WORK"/out/cards/*.md >/dev/null
# the extraction prompt renders from the package too (a dry run calls no LLM)
SYNTH_LLM_BASE_URL=http://127.0.0.1:9/v1 SYNTH_LLM_MODEL=any "$SYNTH" ask --dry-run \
  "Does quantization reduce the memory use of large language models?" | grep -q '"llm_calls"' 
"$SYNTH" digest 2501.10120v1 --format md,html --out "$WORK/cards"  # a PDF's id is its file name
ls "$WORK"/cards/*.md "$WORK"/cards/*.html >/dev/null
echo "wheel check passed: $(basename "$WHEEL")"
