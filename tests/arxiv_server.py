"""A loopback arXiv for tests: a real HTTP server on 127.0.0.1 that replays recorded answers.

* ``/api/query`` answers from ``shared/data/arxiv-api`` (read in place, never copied):
  ``recorded-2026/*.json`` are matched on their query parameters (``search_query``,
  ``id_list``, ``start``, ``max_results``; ``sortBy``/``sortOrder`` and empty values are
  ignored) and replayed with their recorded status; ``legacy-2016/*.xml`` are mapped by hand
  in :data:`LEGACY` and match ``start=0`` with any ``max_results``.
* ``/pdf/<id>`` serves ``shared/data/arxiv-pdfs/<id>.pdf``.
* Anything else is a 404 with a body saying what was not matched.

Faults are scripted with :meth:`LoopbackArxiv.fail_next`; every request is recorded (path,
query, monotonic arrival time) in :attr:`LoopbackArxiv.requests`.

    with serve_arxiv() as server:
        server.fail_next(429, headers={"Retry-After": "2"})
        ...  # point SYNTH_ARXIV_API_URL at server.api_url
        assert [r.path for r in server.requests] == [...]
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
API_DIR = DATA / "arxiv-api"
PDF_DIR = DATA / "arxiv-pdfs"
MATCHED_PARAMS = ("search_query", "id_list", "start", "max_results")

LEGACY = {  # file in legacy-2016/ -> the query it answered (recorded with start=0, max_results=10)
    "id_list=1111.2011v2.xml": {"id_list": "1111.2011v2"},
    "search_query=au_del_maestro.xml": {"search_query": "au:del_maestro"},
    "search_query=au_del_maestro+AND+ti_checkerboard.xml": {"search_query": "au:del_maestro AND ti:checkerboard"},
    "search_query=au_del_maestro+AND+ti__quantum+criticality_.xml":
        {"search_query": 'au:del_maestro AND ti:"quantum criticality"'},
    "search_query=au_del_maestro+ANDNOT+_28ti_checkerboard+OR+ti_Pyrochlore_29.xml":
        {"search_query": "au:del_maestro ANDNOT (ti:checkerboard OR ti:Pyrochlore)"},
}

EMPTY_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/empty</id>
  <title>arXiv Query: empty page</title>
  <updated>2026-04-12T22:09:26Z</updated>
  <opensearch:itemsPerPage>10</opensearch:itemsPerPage>
  <opensearch:totalResults>214881</opensearch:totalResults>
  <opensearch:startIndex>10</opensearch:startIndex>
</feed>
"""

Key = frozenset[tuple[str, str]]


def query_key(query: dict[str, str], params: tuple[str, ...] = MATCHED_PARAMS) -> Key:
    """The parameters a recorded answer is matched on, empty values left out."""
    return frozenset((k, v) for k, v in query.items() if k in params and v)


def flat_query(raw: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def recorded(name_prefix: str) -> tuple[int, bytes]:
    """Status and body of the recorded-2026 answer whose file name starts with ``name_prefix``
    (e.g. ``id_abc_``), to script with :meth:`LoopbackArxiv.fail_next`."""
    (path,) = sorted((API_DIR / "recorded-2026").glob(f"{name_prefix}*.json"))
    rec = json.loads(path.read_text(encoding="utf-8"))
    return int(rec["status_code"]), str(rec["body"]).encode("utf-8")


def _load_answers() -> tuple[dict[Key, tuple[int, bytes]], dict[Key, bytes]]:
    answers: dict[Key, tuple[int, bytes]] = {}
    for path in sorted((API_DIR / "recorded-2026").glob("*.json")):
        rec = json.loads(path.read_text(encoding="utf-8"))
        key = query_key(flat_query(urlsplit(rec["url"]).query))
        answers[key] = (int(rec["status_code"]), rec["body"].encode("utf-8"))
    legacy = {query_key({**q, "start": "0"}): (API_DIR / "legacy-2016" / name).read_bytes()
              for name, q in LEGACY.items()}
    return answers, legacy


@dataclass
class Fault:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    skip: int = 0       # let this many requests through first
    stall: float = 0.0  # seconds to wait before answering (for client timeouts)


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    time: float  # time.monotonic() on arrival


class LoopbackArxiv:
    """State shared by the handler threads; see :func:`serve_arxiv`."""

    def __init__(self) -> None:
        self.answers, self.legacy = _load_answers()
        self.pdfs = {p.stem: p for p in PDF_DIR.glob("*.pdf")}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.base_url = ""

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    @property
    def pdf_url(self) -> str:
        return f"{self.base_url}/pdf"

    def api_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/query"]

    def fail_next(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                  times: int = 1, skip: int = 0, stall: float = 0.0) -> None:
        """Answer the next ``times`` requests (after letting ``skip`` through) with this, whatever they ask."""
        with self.lock:
            for n in range(times):
                self.faults.append(Fault(status, body, dict(headers or {}), skip if n == 0 else 0, stall))

    def answer(self, path: str, query: dict[str, str]) -> Fault:
        """Record the request and choose its answer: a scripted fault, else a recorded one."""
        with self.lock:
            self.requests.append(Request(path, query, time.monotonic()))
            if self.faults and self.faults[0].skip > 0:
                self.faults[0].skip -= 1
            elif self.faults:
                return self.faults.pop(0)
        return self._replay(path, query)

    def _replay(self, path: str, query: dict[str, str]) -> Fault:
        if path == "/api/query":
            key = query_key(query)
            if key in self.answers:
                status, body = self.answers[key]
                return Fault(status, body, {"Content-Type": "application/atom+xml; charset=utf-8"})
            legacy_key = query_key(query, ("search_query", "id_list", "start"))
            if legacy_key in self.legacy:
                return Fault(200, self.legacy[legacy_key], {"Content-Type": "application/atom+xml"})
            merged = self._merged_id_list(query)
            if merged is not None:
                return Fault(200, merged, {"Content-Type": "application/atom+xml; charset=utf-8"})
            return Fault(404, f"loopback arXiv has no recorded answer for {sorted(key)}\n".encode())
        if path.startswith("/pdf/"):
            stem = unquote(path[len("/pdf/"):]).removesuffix(".pdf")
            if stem in self.pdfs:
                return Fault(200, self.pdfs[stem].read_bytes(), {"Content-Type": "application/pdf"})
            return Fault(404, f"loopback arXiv has no PDF {stem!r}\n".encode())
        return Fault(404, f"loopback arXiv serves /api/query and /pdf/<id>, not {path!r}\n".encode())


    def _single_id_feed(self, paper_id: str, start: str) -> bytes | None:
        one = self.answers.get(query_key({"id_list": paper_id, "start": start, "max_results": "100"}))
        if one and one[0] == 200:
            return one[1]
        return self.legacy.get(query_key({"id_list": paper_id, "start": start}))

    def _merged_id_list(self, query: dict[str, str]) -> bytes | None:
        """An id_list of several ids that was never recorded together: the recorded feed of the
        first id with the recorded entries of all of them (each id's real entry, none invented)."""
        ids = [i for i in query.get("id_list", "").split(",") if i]
        feeds = [self._single_id_feed(i, query.get("start", "0")) for i in ids]
        if len(ids) < 2 or any(f is None for f in feeds):
            return None
        entries = [e for f in feeds for e in _ENTRY.findall(f)]  # type: ignore[arg-type]
        head = _ENTRY.sub(b"", feeds[0])  # type: ignore[arg-type]
        head = _TOTAL.sub(b"\\g<1>" + str(len(entries)).encode() + b"\\g<2>", head)
        return head.replace(b"</feed>", b"".join(entries) + b"</feed>")


_ENTRY = re.compile(rb"<entry>.*?</entry>\s*", re.S)
_TOTAL = re.compile(rb"(<opensearch:totalResults[^>]*>)\d+(</opensearch:totalResults>)")


def _handler(state: LoopbackArxiv) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            fault = state.answer(parts.path, flat_query(parts.query))
            if fault.stall and state.stopping.wait(fault.stall):
                return
            self.send_response(fault.status)
            for name, value in {"Content-Type": "text/plain", **fault.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(fault.body)))
            self.end_headers()
            self.wfile.write(fault.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (timeout tests) is not an error of the server


@contextmanager
def serve_arxiv() -> Iterator[LoopbackArxiv]:
    """Run a loopback arXiv on 127.0.0.1 (a free port) for the duration of the block."""
    state = LoopbackArxiv()
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), name="loopback-arxiv", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
