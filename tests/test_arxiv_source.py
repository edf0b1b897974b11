"""ArxivSource against a real loopback HTTP server replaying recorded arXiv answers
(tests/arxiv_server.py), driving the real ``arxiv`` client. No internet."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import arxiv
import pytest

from synth import config, errors
from synth.library.arxiv import ID_BATCH, MAX_BACKOFF, ArxivSource, backoff_delay
from synth.library.arxiv_ids import (
    looks_like_arxiv_id,
    parse_arxiv_id,
    pdf_cache_path,
    question_to_query,
)
from synth.records.papers import Paper
from tests.arxiv_server import (
    EMPTY_FEED,
    PDF_DIR,
    LoopbackArxiv,
    recorded,
    serve_arxiv,
    unused_port,
)

DELAY = 0.01


class Sleeps:
    """The injected sleep: records every wait, really sleeps only briefly."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        time.sleep(min(seconds, 0.02))


def make_settings(tmp_path: Path, server: LoopbackArxiv | None = None, **overrides: object) -> config.Settings:
    values: dict[str, object] = {"arxiv_delay": DELAY, "arxiv_retries": 3, "http_timeout": 5.0}
    if server is not None:
        values.update(arxiv_api_url=server.api_url, arxiv_pdf_url=server.pdf_url)
    values.update(overrides)
    return config.load_settings(env={}, home=tmp_path, **values)


@contextmanager
def arxiv_env(tmp_path: Path, page_size: int = 100, **overrides: object
              ) -> Iterator[tuple[LoopbackArxiv, ArxivSource, Sleeps]]:
    sleeps = Sleeps()
    with serve_arxiv() as server:
        with ArxivSource(make_settings(tmp_path, server, **overrides), sleep=sleeps,
                         page_size=page_size) as source:
            yield server, source, sleeps


def retry_waits(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]


# --- ids ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2106.09685v2", ("2106.09685", 2)),
    ("2106.09685", ("2106.09685", None)),
    ("arXiv:2106.09685", ("2106.09685", None)),
    ("arxiv:1605.08386v1", ("1605.08386", 1)),
    ("astro-ph/0601001", ("astro-ph/0601001", None)),
    ("quant-ph/0201082v1", ("quant-ph/0201082", 1)),
    ("math.GT/0309136v3", ("math.GT/0309136", 3)),
    ("1111.2011v12", ("1111.2011", 12)),
    ("https://arxiv.org/abs/2106.09685v2", ("2106.09685", 2)),
    ("http://export.arxiv.org/abs/hep-th/9901001", ("hep-th/9901001", None)),
    ("https://arxiv.org/pdf/2106.09685v2.pdf", ("2106.09685", 2)),
    ("https://arxiv.org/pdf/astro-ph/0601001v1", ("astro-ph/0601001", 1)),
])
def test_parse_arxiv_id_accepts_new_old_prefixed_and_url_forms(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == expected
    assert looks_like_arxiv_id(text)


@pytest.mark.parametrize("text", [
    "../../x", "abc", "", " ", "2106.09685 v2", " 2106.09685", "2106.09685\n", "2106.09685\x00",
    "2106.096", "2106.096855", "2106.09685v0", "2106.09685v", "astro-ph/../../etc", "astro-ph/060100",
    "1605.08386/../../x", "/etc/passwd", "https://evil.example/abs/2106.09685",
    "https://arxiv.org/abs/2106.09685?x=1", "\u0661\u0662\u0663\u0664.\u0661\u0662\u0663\u0664",
    "ASTRO-PH/0601001",
])
def test_parse_arxiv_id_rejects_junk_with_one_line_saying_what_an_id_looks_like(text: str) -> None:
    with pytest.raises(errors.BadPaperId) as info:
        parse_arxiv_id(text)
    message = str(info.value)
    assert "\n" not in message and "\x00" not in message
    assert "2106.09685v2" in message
    assert not looks_like_arxiv_id(text)


def test_pdf_cache_path_is_a_flat_safe_name_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    assert pdf_cache_path(folder, "astro-ph/0601001v1") == folder.resolve() / "astro-ph_0601001v1.pdf"
    assert pdf_cache_path(folder, "2106.09685v2").name == "2106.09685v2.pdf"
    assert pdf_cache_path(folder, "arXiv:2106.09685").name == "2106.09685.pdf"


@pytest.mark.parametrize("bad", ["../../x", "astro-ph/../../etc", "..", "/etc/passwd",
                                 "2106.09685v2/../../../x", "a/b", "2106.09685v2\x00"])
def test_pdf_cache_path_never_escapes_the_folder(tmp_path: Path, bad: str) -> None:
    with pytest.raises(errors.BadPaperId):
        pdf_cache_path(tmp_path / "pdfs", bad)


# --- questions ------------------------------------------------------------------------------

def test_question_to_query_keeps_the_most_specific_terms_in_question_order() -> None:
    query = question_to_query("How does LoRA compare to full fine-tuning for small language models?")
    assert query == 'all:LoRA AND all:"fine-tuning" AND all:language AND all:models'


def test_question_to_query_keeps_quoted_phrases_and_acronyms_with_digits() -> None:
    query = question_to_query('What do we know about "retrieval augmented generation" with GPT-4 for code?')
    assert query == 'all:"retrieval augmented generation" AND all:"GPT-4" AND all:code'


def test_question_to_query_passes_arxiv_field_syntax_through() -> None:
    assert question_to_query(" au:del_maestro AND ti:checkerboard ") == "au:del_maestro AND ti:checkerboard"


def test_question_to_query_drops_quote_characters_and_duplicates() -> None:
    query = question_to_query("Transformers (transformers) vs. RNNs: which is better for speech?")
    assert query == "all:Transformers AND all:RNNs AND all:speech"


def test_question_to_query_keeps_only_words_inside_quoted_phrases() -> None:
    query = question_to_query('Is "sparse (mixture) of: experts" useful?')
    assert query == 'all:"sparse mixture of experts" AND all:useful'


def test_question_to_query_with_only_common_words_says_what_to_add() -> None:
    with pytest.raises(errors.SourceError, match="no search terms"):
        question_to_query("What is the best way to do it?")


# --- fetching metadata ----------------------------------------------------------------------

def test_client_is_configured_once_without_its_own_retries(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        client = source._client
        assert client.num_retries == 0
        assert client.delay_seconds == 0  # the source's own gate spaces every request
        assert client.page_size == 100
        assert client.query_url_format == server.api_url + "?{}"


def test_fetch_by_id_returns_a_versioned_paper_with_clean_fields(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        papers, missing = source.fetch(["1605.08386"])
    assert missing == []
    (paper,) = papers
    assert paper.id == "1605.08386v1" and paper.base_id == "1605.08386" and paper.version == 1
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors[:2] == ["Caprice Stanley", "Tobias Windisch"]
    assert paper.categories == ["math.CO", "math.ST"]
    assert paper.published == paper.updated == "2016-05-26"
    assert paper.source == "arxiv" and paper.licence is None
    assert paper.url == "https://arxiv.org/abs/1605.08386v1"
    assert paper.abstract and paper.abstract == " ".join(paper.abstract.split())
    assert server.api_requests()[0].query["id_list"] == "1605.08386"


@pytest.mark.parametrize("asked, expected_id", [
    ("2104.12255v1", "2104.12255v1"),
    ("astro-ph/0601001", "astro-ph/0601001v1"),
    ("quant-ph/0201082v1", "quant-ph/0201082v1"),
    ("arXiv:1605.08386", "1605.08386v1"),
])
def test_fetch_handles_new_and_old_style_ids(tmp_path: Path, asked: str, expected_id: str) -> None:
    with arxiv_env(tmp_path) as (_, source, _):
        papers, missing = source.fetch([asked])
    assert [p.id for p in papers] == [expected_id] and missing == []
    assert papers[0].title == " ".join(papers[0].title.split())


def test_fetch_two_ids_in_one_request_reports_the_missing_one(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        papers, missing = source.fetch(["0808.05394", "1707.08567"])
    assert [p.id for p in papers] == ["1707.08567v1"]
    assert missing == ["0808.05394"]
    assert len(server.api_requests()) == 1


def test_fetch_parses_the_2016_feed_format(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (_, source, _):
        (paper,), missing = source.fetch(["1111.2011v2"])
    assert missing == []
    assert paper.id == "1111.2011v2" and paper.version == 2
    assert paper.title == ("Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
                           "Connectivity Limit")
    assert paper.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert paper.categories[0] == "cond-mat.str-el"
    assert (paper.published, paper.updated) == ("2011-11-08", "2012-04-02")
    assert "\n" not in paper.abstract


def test_fetch_of_an_unknown_id_lists_it_as_missing(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (_, source, _):
        assert source.fetch(["0000.0000"]) == ([], ["0000.0000"])


def test_fetch_missing_version_is_missing(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(*recorded("id_1605.08386_"))  # arXiv answers with v1, the only version
        assert source.fetch(["1605.08386v3"]) == ([], ["1605.08386v3"])


def test_fetch_rejects_malformed_ids_before_any_request(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        with pytest.raises(errors.BadPaperId, match="'abc'"):
            source.fetch(["1605.08386", "abc", "../../x"])
        assert server.requests == []


def test_loopback_replays_the_recorded_http_400_error_feed(tmp_path: Path) -> None:
    import requests

    with serve_arxiv() as server:
        with requests.get(server.api_url, params={"id_list": "abc", "start": "0", "max_results": "100"},
                          timeout=5) as reply:
            assert reply.status_code == 400 and "incorrect id format for abc" in reply.text


def test_fetch_maps_http_400_error_feed_to_bad_paper_id(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(*recorded("id_abc_"))
        with pytest.raises(errors.BadPaperId, match="incorrect id format for abc"):
            source.fetch(["1605.08386"])
        assert len(server.requests) == 1  # a 400 is not retried


def test_search_query_rejected_with_400_is_a_source_error_not_a_bad_id(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(400, b"<feed><entry><summary>malformed query</summary></entry></feed>")
        with pytest.raises(errors.SourceError, match="rejected the search query: malformed query") as info:
            source.search_query("ti:(", 10)
    assert not isinstance(info.value, errors.BadPaperId)


def test_fetch_batches_many_ids(tmp_path: Path) -> None:
    ids = [f"2101.{n:05d}" for n in range(ID_BATCH + 5)]
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(200, EMPTY_FEED.replace(b"214881", b"0"), times=2)
        assert source.fetch(ids) == ([], ids)
    sent = [r.query["id_list"].split(",") for r in server.api_requests()]
    assert [len(s) for s in sent] == [ID_BATCH, 5]


# --- search ---------------------------------------------------------------------------------

def test_search_query_pages_through_recorded_results(tmp_path: Path) -> None:
    with arxiv_env(tmp_path, page_size=10) as (server, source, _):
        papers = source.search_query("testing", 60)
    starts = [int(r.query["start"]) for r in server.api_requests()]
    assert starts == [0, 10, 20, 30, 40, 50]
    assert {r.query["max_results"] for r in server.api_requests()} == {"10"}
    assert len(papers) == 60 and len({p.id for p in papers}) == 60


def test_search_query_with_few_results_asks_for_a_small_page(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        papers = source.search_query("testing", 10)
    assert len(papers) == 10
    assert [(r.query["start"], r.query["max_results"]) for r in server.api_requests()] == [("0", "10")]


def test_search_query_on_the_2016_format(tmp_path: Path) -> None:
    with arxiv_env(tmp_path, page_size=10) as (_, source, _):
        papers = source.search_query("au:del_maestro AND ti:checkerboard", 10)
    assert len(papers) == 1 and "Del Maestro" in " ".join(papers[0].authors)


def test_search_sends_the_query_built_from_the_question(tmp_path: Path) -> None:
    question = "How is software testing done for autonomous vehicles?"
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(*recorded("q_testing_s0_m10_"))
        papers = source.search(question, 10)
    assert len(papers) == 10 and all(isinstance(p, Paper) for p in papers)
    assert server.api_requests()[0].query["search_query"] == question_to_query(question)


def test_empty_page_mid_paging_is_retried_and_paging_resumes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with arxiv_env(tmp_path, page_size=10) as (server, source, _):
        server.fail_next(200, EMPTY_FEED, skip=1)
        papers = source.search_query("testing", 30)
    assert [r.query["start"] for r in server.api_requests()] == ["0", "10", "10", "20"]
    assert len(papers) == 30 and len({p.id for p in papers}) == 30
    assert len(retry_waits(caplog)) == 1 and "empty page" in retry_waits(caplog)[0]


# --- failures and politeness ----------------------------------------------------------------

def test_429_is_retried_honouring_retry_after(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with arxiv_env(tmp_path) as (server, source, sleeps):
        server.fail_next(429, b"slow down", {"Retry-After": "2"})
        papers, _ = source.fetch(["1605.08386"])
    assert [p.id for p in papers] == ["1605.08386v1"]
    assert len(server.requests) == 2
    assert len(retry_waits(caplog)) == 1 and "HTTP 429" in retry_waits(caplog)[0]
    assert max(sleeps.calls) >= 2.0


def test_503_three_times_then_success(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(503, times=3)
        papers, _ = source.fetch(["2104.12255v1"])
    assert [p.id for p in papers] == ["2104.12255v1"]
    assert len(server.requests) == 4
    assert [m.split(";")[1].split(" in ")[0] for m in retry_waits(caplog)] == [
        " retry 1 of 3", " retry 2 of 3", " retry 3 of 3"]


def test_503_forever_gives_up_with_one_line_saying_what_to_do(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(503, times=10)
        with pytest.raises(errors.ArxivUnavailable) as info:
            source.fetch(["1605.08386"])
        assert len(server.requests) == 4
    message = str(info.value)
    assert "\n" not in message and not isinstance(info.value, errors.ArxivRateLimited)
    assert message.startswith(f"arXiv did not answer at {server.api_url} after 3 retries: HTTP 503")
    assert "SYNTH_ARXIV_API_URL" in message


def test_429_forever_raises_rate_limited(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(429, times=10)
        with pytest.raises(errors.ArxivRateLimited, match="HTTP 429.*SYNTH_ARXIV_DELAY"):
            source.fetch(["1605.08386"])


def test_refused_connection_gives_up_with_arxiv_unavailable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/api/query"
    sleeps = Sleeps()
    with ArxivSource(make_settings(tmp_path, arxiv_api_url=url), sleep=sleeps) as source:
        with pytest.raises(errors.ArxivUnavailable) as info:
            source.fetch(["1605.08386"])
    assert str(info.value) == (f"arXiv did not answer at {url} after 3 retries: connection refused "
                               "(check your network or set SYNTH_ARXIV_API_URL to a mirror)")


def test_timeout_is_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with arxiv_env(tmp_path, http_timeout=0.2) as (server, source, _):
        server.fail_next(200, EMPTY_FEED, stall=1.0)
        papers, _ = source.fetch(["1605.08386"])
    assert [p.id for p in papers] == ["1605.08386v1"]
    assert "no answer within 0.2s" in retry_waits(caplog)[0]


def test_requests_are_spaced_by_the_delay_across_api_and_pdf(tmp_path: Path) -> None:
    delay = 0.05
    with serve_arxiv() as server, ArxivSource(make_settings(tmp_path, server, arxiv_delay=delay)) as source:
        server.fail_next(503)
        source.fetch(["1605.08386"])
        source.fetch(["astro-ph/0601001"])
        (paper,), _ = source.fetch(["1111.2011v2"])
        source.download_pdf(paper)
    times = [r.time for r in server.requests]
    assert len(times) == 5
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= delay


def test_backoff_is_exponential_full_jitter_capped_and_honours_retry_after() -> None:
    rng = random.Random(7)
    for attempt in range(10):
        waits = [backoff_delay(attempt, 1.0, rng=rng) for _ in range(50)]
        assert all(0 <= w <= min(MAX_BACKOFF, 2 ** attempt) for w in waits)
    assert max(backoff_delay(2, 1.0, rng=rng) for _ in range(200)) > 2.0  # grows past the base
    assert backoff_delay(0, 1.0, retry_after=30, rng=rng) >= 30


# --- PDFs -----------------------------------------------------------------------------------

def paper(paper_id: str) -> Paper:
    base, version = parse_arxiv_id(paper_id)
    return Paper(id=paper_id, base_id=base, version=version, title="t", source="arxiv")


def test_download_pdf_writes_the_pdf_once_and_never_asks_again(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        path = source.download_pdf(paper("2206.10883v3"))
        assert path == pdf_cache_path(tmp_path / "pdfs", "2206.10883v3")
        assert path.read_bytes() == (PDF_DIR / "2206.10883v3.pdf").read_bytes()
        assert [r.path for r in server.requests] == ["/pdf/2206.10883v3"]
        assert source.download_pdf(paper("2206.10883v3")) == path
        assert len(server.requests) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["2206.10883v3.pdf"]


def test_download_pdf_of_a_fetched_paper(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        (fetched,), _ = source.fetch(["1111.2011v2"])
        path = source.download_pdf(fetched)
    assert path.name == "1111.2011v2.pdf" and path.read_bytes().startswith(b"%PDF")
    assert server.requests[-1].path == "/pdf/1111.2011v2"


def test_download_pdf_refuses_a_non_pdf_body_and_leaves_no_file(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(200, b"<html>Are you a robot?</html>", {"Content-Type": "text/html"})
        with pytest.raises(errors.SourceError, match="did not return a PDF.*text/html.*<html>") as info:
            source.download_pdf(paper("2206.10883v3"))
    assert "\n" not in str(info.value)
    assert list((tmp_path / "pdfs").iterdir()) == []


def test_download_pdf_retries_503_then_succeeds(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        server.fail_next(503, times=2)
        path = source.download_pdf(paper("1111.2011v2"))
    assert path.is_file() and len(server.requests) == 3


def test_download_pdf_of_an_unknown_paper_raises_unknown_paper(tmp_path: Path) -> None:
    with arxiv_env(tmp_path) as (server, source, _):
        with pytest.raises(errors.UnknownPaper, match="no PDF"):
            source.download_pdf(paper("0000.0000v1"))
        assert len(server.requests) == 1
    assert list((tmp_path / "pdfs").iterdir()) == []


def test_download_pdf_unreachable_names_the_pdf_setting(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/pdf"
    settings = make_settings(tmp_path, arxiv_pdf_url=url, arxiv_retries=1)
    refused = pytest.raises(errors.ArxivUnavailable, match="after 1 retry: connection refused.*SYNTH_ARXIV_PDF_URL")
    with ArxivSource(settings, sleep=Sleeps()) as source, refused:
        source.download_pdf(paper("1111.2011v2"))


def test_result_conversion_handles_a_bare_result() -> None:
    from synth.library.arxiv import paper_from_result

    result = arxiv.Result(entry_id="https://arxiv.org/abs/quant-ph/0201082v1", title="  A \n title ")
    converted = paper_from_result(result)
    assert (converted.id, converted.base_id, converted.version) == ("quant-ph/0201082v1", "quant-ph/0201082", 1)
    assert converted.title == "A title" and converted.published is None


def test_library_logs_but_configures_no_handlers() -> None:
    assert logging.getLogger("synth.library.arxiv").handlers == []
