#!/usr/bin/env bash
# What the tests need beyond the Python package (run after `pip install -e ".[test]"`):
# - llama-cpp-python's server and the SmolLM2-135M model, for the tests that run a real LLM
#   (scripts/install_llama_server.sh: the build is cached per machine);
# - Debian's chromium, for the test that opens an HTML report in a headless browser.
# Where a tool cannot be installed the tests that need it skip (they fail under CI=true).
set -euo pipefail
cd "$(dirname "$0")"
bash install_llama_server.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null
  else
    echo "chromium not installed (needs root and apt-get): the HTML browser test will skip" >&2
  fi
fi
