"""The arXiv source: search, metadata and PDFs, politely and with honest failures
(id parsing and query building live in :mod:`synth.library.arxiv_ids`).

One :class:`ArxivSource` owns one ``arxiv.Client`` (its own delay and retries off: they use a
bare ``time.sleep``, ignore PDF requests and retry at once) and one HTTP session. Every
request, API page or PDF, passes one gate that waits until ``settings.arxiv_delay`` seconds
have passed since the previous one, sets ``timeout=settings.http_timeout``, and retries HTTP
429, 5xx, refused/reset connections and timeouts up to ``settings.arxiv_retries`` times with
exponential backoff and full jitter (:func:`backoff_delay`, honouring ``Retry-After``); then
it raises :class:`~synth.errors.ArxivRateLimited` (429) or :class:`~synth.errors.ArxivUnavailable`
with one line saying what happened and what to do. An "unexpectedly empty page" while paging
is retried too, resuming at the offset reached. HTTP 400 from the API (its answer to a
malformed id) becomes :class:`~synth.errors.BadPaperId`.

PDFs are cached in ``settings.pdf_dir`` by versioned id (:func:`pdf_cache_path`) and never
fetched twice; a download goes to a temporary file in that folder and is renamed into place
only when complete and starting with ``%PDF``.
"""

from __future__ import annotations

import html
import logging
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import arxiv
import requests

from synth import errors
from synth.config import Settings
from synth.library.arxiv_ids import (
    ID_HINT,
    canonical_id,
    looks_like_arxiv_id,
    parse_arxiv_id,
    pdf_cache_path,
    question_to_query,
)
from synth.records.papers import Paper

log = logging.getLogger(__name__)
T = TypeVar("T")

USER_AGENT = f"synth/0.1 (literature synthesis; arxiv.py/{arxiv.__version__})"
ID_BATCH = 50            # ids per API request in :meth:`ArxivSource.fetch`
MAX_BACKOFF = 60.0       # seconds; ceiling of one backoff wait
MAX_RETRY_AFTER = 300.0  # seconds; longest Retry-After we obey
_CHUNK = 64 * 1024
_REASONS = (("refused", "connection refused"), ("reset", "connection reset"),
            ("name or service", "host not found"), ("resolve", "host not found"))

def paper_from_result(result: arxiv.Result) -> Paper:
    """One API entry as a :class:`~synth.records.papers.Paper` (id with version, ISO dates)."""
    short_id = result.get_short_id()
    base, version = parse_arxiv_id(short_id)
    categories = [result.primary_category] if result.primary_category else []
    categories += [c for c in result.categories if c not in categories]
    return Paper(id=short_id, base_id=base, version=version, title=_collapse(result.title),
                 authors=[a.name for a in result.authors], abstract=_collapse(result.summary),
                 published=_iso_date(result.published), updated=_iso_date(result.updated),
                 categories=categories, licence=None, source="arxiv",
                 url=f"https://arxiv.org/abs/{short_id}")


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def _iso_date(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment and moment.year > 1 else None


def _papers(results: Iterable[arxiv.Result]) -> list[Paper]:
    """Papers in order, each id once. An error entry (the old API's way) raises BadPaperId;
    an entry whose id is not an arXiv id is logged and skipped."""
    papers: dict[str, Paper] = {}
    for result in results:
        if "/api/errors" in result.entry_id:
            raise errors.BadPaperId(f"arXiv rejected the request: {_collapse(result.summary)}", hint=ID_HINT)
        if not looks_like_arxiv_id(result.get_short_id()):
            log.warning("skipping an arXiv entry with an unexpected id: %r", result.entry_id[:100])
            continue
        papers.setdefault(result.get_short_id(), paper_from_result(result))
    return list(papers.values())


class _Transient(Exception):
    """A failure worth retrying: 429, 5xx, a refused/reset connection, a timeout, an empty page."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def backoff_delay(attempt: int, base: float, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``attempt + 1``: full jitter, uniform in
    ``[0, min(MAX_BACKOFF, base * 2**attempt)]``, but never less than a ``Retry-After``
    (itself capped at :data:`MAX_RETRY_AFTER`)."""
    ceiling = min(MAX_BACKOFF, base * 2 ** attempt)
    wait = (rng or random).uniform(0.0, ceiling)
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return wait


def _retry_after(value: str | None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(str(value)).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _connection_reason(err: Exception) -> str:
    text = str(err).lower()
    return next((reason for needle, reason in _REASONS if needle in text), "connection failed")


def _error_summary(response: requests.Response | None) -> str | None:
    """The ``<summary>`` of an arXiv error feed, e.g. ``incorrect id format for abc``."""
    match = re.search(r"<summary>(.*?)</summary>", response.text if response is not None else "", re.S)
    return _collapse(html.unescape(match.group(1)))[:200] if match else None


class Fetched(NamedTuple):
    """What :meth:`ArxivSource.fetch` found: ``papers`` in request order, and the ids
    (as the caller wrote them) that arXiv has no paper for."""

    papers: list[Paper]
    missing: list[str]


class _GatedSession(requests.Session):
    """The session the arxiv client sees: every request it makes goes through ArxivSource."""

    def __init__(self, send: Callable[..., requests.Response]) -> None:
        super().__init__()
        self._send = send

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        return self._send(str(method), str(url), **kwargs)


class ArxivSource:
    """arXiv metadata, search and PDFs for one process. Use as a context manager, or call
    :meth:`close`, to release connections.

    ``session`` is the transport (default: a new ``requests.Session``); ``sleep`` does every
    wait (politeness and backoff), so tests can record it; ``page_size`` is results per API page.
    """

    def __init__(self, settings: Settings, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, page_size: int = 100) -> None:
        self.settings = settings
        self._sleep = sleep
        self._http = session if session is not None else requests.Session()
        self._owns_http = session is None
        self._page_size = page_size
        self._last_request: float | None = None
        self._last_response: requests.Response | None = None
        # The client's own delay and retries are off: it would wait with an uninjectable
        # time.sleep, not count PDF requests, and retry at once. The gate below does all three.
        self._client = arxiv.Client(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self._client.query_url_format = settings.arxiv_api_url + "?{}"
        self._client._session = _GatedSession(self._api_request)

    def __enter__(self) -> ArxivSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client._session.close()
        if self._owns_http:
            self._http.close()

    def search(self, question: str, max_results: int) -> list[Paper]:
        """Papers for a research question, best first (see :func:`question_to_query`)."""
        return self.search_query(question_to_query(question), max_results)

    def search_query(self, query: str, max_results: int) -> list[Paper]:
        """Papers for a raw arXiv ``search_query`` (``au:del_maestro AND ti:checkerboard``)."""
        if max_results <= 0:
            return []
        self._client.page_size = min(self._page_size, max_results)
        results = self._collect(arxiv.Search(query=query, max_results=max_results), for_ids=False)
        return _papers(results)

    def fetch(self, ids: list[str]) -> Fetched:
        """Metadata for ``ids`` (versioned or not), :data:`ID_BATCH` per request.

        Returns ``(papers, missing)``: an unversioned id yields arXiv's latest version; ids
        arXiv has no paper for are listed in ``missing`` and the others are returned. Any id
        that is not an arXiv id raises :class:`~synth.errors.BadPaperId` naming every such id,
        before any request (filter with :func:`looks_like_arxiv_id` to carry on without them).
        """
        bad = [i for i in ids if not looks_like_arxiv_id(i)]
        if bad:
            raise errors.BadPaperId(f"not arXiv ids: {', '.join(repr(b)[:80] for b in bad)}", hint=ID_HINT)
        wanted = list(dict.fromkeys(canonical_id(i) for i in ids))
        self._client.page_size = self._page_size
        found: list[Paper] = []
        for start in range(0, len(wanted), ID_BATCH):
            batch = wanted[start:start + ID_BATCH]
            found += _papers(self._collect(arxiv.Search(id_list=batch, max_results=len(batch)), for_ids=True))
        return _match_ids(ids, found)

    def download_pdf(self, paper: Paper) -> Path:
        """The cached PDF of ``paper`` (its id carries the version), downloading it if absent."""
        target = pdf_cache_path(self.settings.pdf_dir, paper.id)
        if target.is_file():
            log.debug("PDF of %s already cached at %s", paper.id, target)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        url = f"{self.settings.arxiv_pdf_url.rstrip('/')}/{canonical_id(paper.id)}"
        self._with_retries(url, lambda: self._download_once(url, target), "SYNTH_ARXIV_PDF_URL")
        log.info("downloaded %s to %s", url, target)
        return target

    def _collect(self, search: arxiv.Search, for_ids: bool) -> list[arxiv.Result]:
        """All results of ``search``; after an empty page, paging resumes where it stopped (the
        client treats a resumed first page that is empty again as the end of the results)."""
        found: list[arxiv.Result] = []

        def more() -> list[arxiv.Result]:
            try:
                for result in self._client.results(search, offset=len(found)):
                    found.append(result)
            except arxiv.UnexpectedEmptyPageError as err:
                raise _Transient(f"an unexpectedly empty page at offset {len(found)}") from err
            except arxiv.HTTPError as err:
                raise self._http_error(err, for_ids) from err
            return found

        return self._with_retries(self.settings.arxiv_api_url, more, "SYNTH_ARXIV_API_URL")

    def _http_error(self, err: arxiv.HTTPError, for_ids: bool) -> errors.SourceError:
        detail = _error_summary(self._last_response) or f"HTTP {err.status}"
        if err.status == 400:
            kind, what, hint = ((errors.BadPaperId, "ids", ID_HINT) if for_ids else
                                (errors.SourceError, "search query", "check the query syntax"))
            return kind(f"arXiv rejected the {what}: {detail}", hint=hint)
        return errors.ArxivUnavailable(f"arXiv answered HTTP {err.status} at {_where(err.url)}",
                                       hint="check SYNTH_ARXIV_API_URL")

    def _api_request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": USER_AGENT}
        response = self._with_retries(url, lambda: self._attempt(method, url, **kwargs),
                                      "SYNTH_ARXIV_API_URL")
        self._last_response = response
        return response

    def _download_once(self, url: str, target: Path) -> None:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, self._attempt(
                    "GET", url, stream=True, headers={"User-Agent": USER_AGENT}) as response:
                _require_ok(response, url)
                _stream_pdf(response, out, url)
            os.replace(tmp_name, target)
        finally:
            self._last_request = time.monotonic()
            Path(tmp_name).unlink(missing_ok=True)

    def _attempt(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One polite request: wait our turn, send with the timeout, classify the answer."""
        self._wait_turn()
        kwargs["timeout"] = self.settings.http_timeout
        log.info("%s %s", method, url)
        try:
            response = self._http.request(method, url, **kwargs)
        except requests.Timeout as err:
            raise _Transient(f"no answer within {self.settings.http_timeout:g}s") from err
        except requests.ConnectionError as err:
            raise _Transient(_connection_reason(err)) from err
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as err:
            raise errors.ConfigError(f"{_where(url)} is not a usable URL",
                                     hint="check SYNTH_ARXIV_API_URL and SYNTH_ARXIV_PDF_URL") from err
        finally:
            self._last_request = time.monotonic()
        if response.status_code == 429 or response.status_code >= 500:
            response.close()
            raise _Transient(f"HTTP {response.status_code}", response.status_code,
                             _retry_after(response.headers.get("Retry-After")))
        return response

    def _wait_turn(self) -> None:
        if self._last_request is None:
            return
        wait = self._last_request + self.settings.arxiv_delay - time.monotonic()
        if wait > 0:
            self._sleep(wait)

    def _with_retries(self, url: str, call: Callable[[], T], setting: str) -> T:
        retries = self.settings.arxiv_retries
        for attempt in range(retries + 1):
            try:
                return call()
            except _Transient as err:
                if attempt == retries:
                    raise _give_up(url, err, retries, setting) from err
                wait = backoff_delay(attempt, max(self.settings.arxiv_delay, 1.0), err.retry_after)
                log.warning("arXiv: %s at %s; retry %d of %d in %.2fs",
                            err.reason, _where(url), attempt + 1, retries, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")


def _where(url: str) -> str:
    return url.split("?", 1)[0]


def _give_up(url: str, err: _Transient, retries: int, setting: str) -> errors.ArxivUnavailable:
    tries = f"{retries} retries" if retries != 1 else "1 retry"
    if err.status == 429:
        return errors.ArxivRateLimited(
            f"arXiv kept answering HTTP 429 (too many requests) at {_where(url)} after {tries}",
            hint="wait a few minutes before trying again, or raise SYNTH_ARXIV_DELAY")
    return errors.ArxivUnavailable(f"arXiv did not answer at {_where(url)} after {tries}: {err.reason}",
                                   hint=f"check your network or set {setting} to a mirror")


def _require_ok(response: requests.Response, url: str) -> None:
    if response.status_code == 404:
        raise errors.UnknownPaper(f"arXiv has no PDF at {url}", hint="check the id and version")
    if response.status_code != 200:
        raise errors.SourceError(f"arXiv answered HTTP {response.status_code} for {url}",
                                 hint="check SYNTH_ARXIV_PDF_URL")


def _stream_pdf(response: requests.Response, out: IO[bytes], url: str) -> None:
    """Copy the body to ``out``, refusing it as soon as its first bytes are not ``%PDF``."""
    head = b""
    try:
        for chunk in response.iter_content(_CHUNK):
            if len(head) < 4:
                head += chunk
                if len(head) >= 4:
                    _require_pdf(head, response, url)
            out.write(chunk)
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as err:
        raise _Transient("the download broke off") from err
    _require_pdf(head, response, url)


def _require_pdf(head: bytes, response: requests.Response, url: str) -> None:
    if not head.startswith(b"%PDF"):
        kind = response.headers.get("Content-Type") or "no content type"
        raise errors.SourceError(f"{url} did not return a PDF (got {kind}, starting {head[:40]!r})",
                                 hint="arXiv may be serving an error or captcha page; try again later")


def _match_ids(asked: list[str], papers: list[Paper]) -> Fetched:
    """Pair each asked id with the paper arXiv returned for it (same base id, and same
    version when one was asked for); ids with no paper are missing."""
    found: dict[str, Paper] = {}
    missing: list[str] = []
    for text in dict.fromkeys(asked):
        base, version = parse_arxiv_id(text)
        match = next((p for p in papers if p.base_id == base and version in (None, p.version)), None)
        if match is None:
            missing.append(text)
        else:
            found.setdefault(match.id, match)
    return Fetched(list(found.values()), missing)
