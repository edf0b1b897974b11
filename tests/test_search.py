"""Hybrid search over a real library (500 cs.CL abstracts of March 2026) with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synth.errors import EmptyLibrary
from synth.library.snapshot import import_snapshot
from synth.search.embed import embed_missing
from synth.search.hybrid import Searcher, budgeted_terms, fts_query, rrf, tokens
from synth.store.db import Store, open_store

from .test_snapshot import CSCL_2026

COMIC = "2603.11048v1"  # "COMIC: Agentic Sketch Comedy Generation"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedder) -> Store:
    folder = tmp_path_factory.mktemp("lib")
    subset = folder / "cscl-150.json"  # the first 150 papers keep the real model's work small
    subset.write_text(json.dumps(json.loads(CSCL_2026.read_text())[:150]))
    store = open_store(folder / "library.db")
    import_snapshot(store, subset)
    embed_missing(store, embedder)
    yield store
    store.close()


def test_query_tokens_drop_stopwords_and_quote_for_fts() -> None:
    assert tokens("How do LLM critics judge humor?") == ["llm", "critics", "judge", "humor"]
    assert fts_query("humor of the humor") == '"humor"'


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[1, 2, 3], [3, 1, 4]])
    assert max(fused, key=fused.get) == 1 and fused[3] > fused[2]


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_each_mode_finds_the_paper_a_title_query_names(library: Store, embedder, mode: str) -> None:
    hits = Searcher(library, embedder).search("agentic sketch comedy generation", 5, mode)
    assert hits[0].paper_id == COMIC


def test_dense_finds_a_paraphrase_with_no_shared_words(library: Store, embedder) -> None:
    searcher = Searcher(library, embedder)
    query = "funny videos produced automatically"
    assert COMIC in [h.paper_id for h in searcher.search(query, 5, "dense")]
    assert COMIC in [h.paper_id for h in searcher.search(query, 10, "hybrid")]


def test_hits_carry_exact_spans_into_the_stored_full_text(library: Store, embedder) -> None:
    hits = Searcher(library, embedder).search("retrieval augmented generation evaluation", 10)
    assert len(hits) == 10
    for hit in hits:
        assert library.fulltext(hit.paper_id)[hit.char_start:hit.char_end] == hit.text
        assert hit.paper_id.endswith(f"v{hit.version}") and hit.title and hit.score > 0


def test_rank_bm25_backend_agrees_on_the_obvious_query(library: Store, embedder) -> None:
    searcher = Searcher(library, embedder, lexical="rank-bm25")
    assert searcher.search("agentic sketch comedy generation", 3, "lexical")[0].paper_id == COMIC


def test_embeddings_are_computed_once_per_text_and_model(library: Store, embedder,
                                                        tmp_path: Path) -> None:
    assert embed_missing(library, embedder) == 0
    grown = tmp_path / "cscl-160.json"  # the same 150 papers and 10 more
    grown.write_text(json.dumps(json.loads(CSCL_2026.read_text())[:160]))
    import_snapshot(library, grown)
    new_passages = library.db.execute(
        "SELECT COUNT(*) FROM passages WHERE paper_id IN (SELECT id FROM papers "
        "WHERE rowid > 150)").fetchone()[0]
    assert embed_missing(library, embedder) == new_passages > 0
    import_snapshot(library, grown)
    assert embed_missing(library, embedder) == 0


def test_empty_library_says_how_to_ingest(tmp_path: Path, embedder) -> None:
    with open_store(tmp_path / "lib.db") as store, pytest.raises(EmptyLibrary, match="synth ingest"):
        Searcher(store, embedder)


def test_rank_bm25_postings_give_bm25okapi_scores(library: Store) -> None:
    from synth.search.hybrid import RankBM25Index

    index = RankBM25Index(library)
    for query in ("agentic sketch comedy generation", "retrieval augmented generation evaluation"):
        assert np.allclose(index.scores(tokens(query)), index.bm25.get_scores(tokens(query)))


def test_a_long_allowed_list_ranks_as_a_short_one(library: Store,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Above FTS_IN_LIST_MAX allowed passages the ranked matches are filtered in Python (FTS5
    would run the MATCH once per listed rowid); both paths give the same ranking."""
    import synth.store.papers as papers

    query = fts_query("retrieval augmented generation evaluation")
    everything = library.passage_pks_for_papers(library.paper_ids())
    allowed = set(sorted(everything)[::2])
    assert len(allowed) > papers.FTS_IN_LIST_MAX
    filtered = library.fts_search(query, 20, allowed)
    monkeypatch.setattr(papers, "FTS_IN_LIST_MAX", 10**6)
    assert library.fts_search(query, 20, allowed) == filtered
    assert filtered and all(pk in allowed for pk, _ in filtered)
    assert library.fts_search(query, 20, set()) == []


def test_a_query_over_budget_keeps_its_rarest_words() -> None:
    counts = {"models": 900, "language": 700, "lora": 30, "rank": 80, "qlora": 0}.__getitem__
    terms = ["models", "language", "lora", "rank", "qlora"]
    assert budgeted_terms(terms, counts, budget=5000) == ["models", "language", "lora", "rank"]
    assert budgeted_terms(terms, counts, budget=200) == ["lora", "rank"]
    assert budgeted_terms(terms, counts, budget=10) == ["lora"]  # at least the rarest
    assert budgeted_terms(["qlora"], counts, budget=10) == []


def test_the_lexical_budget_ranks_a_real_library_by_its_rarest_words(library: Store,
                                                                      embedder) -> None:
    query = "language models for sketch comedy generation"
    exact = library.fts_search(fts_query(query), 20)
    assert Searcher(library, embedder).lexical_top(query, 20) == exact  # within the budget
    everywhere = library.fts_count('"language"', 10**6)
    assert library.fts_count('"language"', 5) == 5 < everywhere
    comedy = library.fts_count('"comedy"', 10**6)
    assert 0 < comedy < everywhere
    tight = Searcher(library, embedder, lexical_budget=comedy)
    ranked = tight.lexical_top(query, 20)
    assert ranked and ranked != exact
    texts = library.hits_rows([pk for pk, _ in ranked])
    assert all("comed" in texts[pk]["text"].lower() for pk, _ in ranked)


@pytest.mark.parametrize("budget", [10**6, 3])
def test_the_lexical_half_in_its_own_thread_gives_the_same_hits(library: Store, embedder,
                                                                budget: int) -> None:
    queries = ["agentic sketch comedy generation", "speech recognition for low-resource languages",
               "reward models for reasoning"]
    papers = [COMIC, json.loads(CSCL_2026.read_text())[3]["id"]]
    with Searcher(library, embedder, lexical_budget=budget) as side_by_side:
        one_by_one = Searcher(library, embedder, lexical_budget=budget, parallel=False)
        for query in queries:
            assert side_by_side.search(query, 10) == one_by_one.search(query, 10)
            assert (side_by_side.search(query, 5, paper_ids=papers)
                    == one_by_one.search(query, 5, paper_ids=papers))
        assert side_by_side._reader is not None and side_by_side._reader.readonly
    assert side_by_side._reader is None and side_by_side._pool is None  # closed with the block


def test_a_library_no_second_connection_opens_on_is_searched_one_half_at_a_time(
        library: Store, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from synth.errors import StoreError
    from synth.search import hybrid

    def refuse(path: Path) -> Store:
        raise StoreError(f"cannot open library {path}: unable to open", "check the path")

    monkeypatch.setattr(hybrid, "open_readonly", refuse)
    searcher = Searcher(library, embedder)
    hits = searcher.search("agentic sketch comedy generation", 5)
    assert hits[0].paper_id == COMIC and not searcher.parallel
