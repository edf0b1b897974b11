"""The ANN index for dense search (synth.search.ann): the real usearch index over a real
library (cs.CL abstracts of March 2026, the real model), against exact search, kept in step as
papers are added and changed, and rebuilt when its file is lost or broken."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from synth.config import load_settings
from synth.errors import ConfigError
from synth.library.snapshot import import_snapshot
from synth.search.ann import AnnIndex, ExactIndex, index_path, open_dense, sync_index
from synth.search.embed import embed_missing
from synth.search.hybrid import Searcher
from synth.store.db import Store, open_store

from .test_snapshot import CSCL_2026

COMIC = "2603.11048v1"  # "COMIC: Agentic Sketch Comedy Generation"
QUERIES = ["agentic sketch comedy generation", "retrieval augmented generation evaluation",
           "speech recognition for low-resource languages", "large language model reasoning",
           "machine translation quality", "funny videos produced automatically"]


def papers(n: int) -> list[dict]:
    return json.loads(CSCL_2026.read_text())[:n]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A library of 80 papers, embedded once; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("ann")
    snapshot = folder / "cscl.json"
    snapshot.write_text(json.dumps(papers(80)))
    with open_store(folder / "library.db") as store:
        import_snapshot(store, snapshot)
        embed_missing(store, embedder)
    return folder / "library.db"


@pytest.fixture
def library(embedded: Path, tmp_path: Path) -> Store:
    (tmp_path / "home").mkdir()
    shutil.copy(embedded, tmp_path / "home" / "library.db")
    store = open_store(tmp_path / "home" / "library.db")
    yield store
    store.close()


def members_agree(store: Store, model: str) -> None:
    """The table lists exactly what the file holds, and every embedded passage is in it."""
    from usearch.index import Index

    index = Index.restore(str(index_path(store, model)), view=True)
    assert len(index) == store.index_members(model) == store.embedded_passages(model)
    listed = [pk for (pk,) in store.db.execute("SELECT pk FROM dense_index WHERE model = ?",
                                                [model])]
    assert all(index.contains(np.array(listed, dtype=np.uint64)))


def test_ann_search_gives_the_exact_ranking_on_a_small_library(library: Store, embedder) -> None:
    exact = Searcher(library, embedder, ann_min=10**9)
    ann = Searcher(library, embedder, ann_min=0)
    assert isinstance(exact.dense, ExactIndex) and isinstance(ann.dense, AnnIndex)
    overlap = []
    for query in QUERIES:
        want = [pk for pk, _ in exact.dense_top(query, 10)]
        got = [pk for pk, _ in ann.dense_top(query, 10)]
        assert got[0] == want[0]
        overlap.append(len(set(got) & set(want)) / 10)
        hits_exact, hits_ann = exact.search(query, 5), ann.search(query, 5)
        assert [h.passage_id for h in hits_ann] == [h.passage_id for h in hits_exact]
        assert [h.similarity for h in hits_ann] == [h.similarity for h in hits_exact]
    assert np.mean(overlap) >= 0.95
    members_agree(library, embedder.name)


def test_filtered_ann_search_ranks_only_the_allowed_papers(library: Store, embedder) -> None:
    ann = Searcher(library, embedder, ann_min=0)
    others = [pid for pid in library.paper_ids() if pid != COMIC][:5]
    hits = ann.search("agentic sketch comedy generation", 10, "dense", paper_ids=others)
    assert hits and {h.paper_id for h in hits} <= set(others)
    exact = Searcher(library, embedder, ann_min=10**9)
    assert [h.passage_id for h in hits] == [h.passage_id for h in exact.search(
        "agentic sketch comedy generation", 10, "dense", paper_ids=others)]


def test_new_papers_are_added_without_a_rebuild(library: Store, embedder,
                                                tmp_path: Path) -> None:
    model = embedder.name
    first = sync_index(library, model)
    assert first.rebuilt and first.added == library.embedded_passages(model)
    assert sync_index(library, model) == type(first)(0, 0, False, first.size)  # nothing to do
    grown = tmp_path / "grown.json"
    grown.write_text(json.dumps(papers(95)))
    import_snapshot(library, grown)
    embed_missing(library, embedder)
    step = sync_index(library, model)
    assert not step.rebuilt and step.removed == 0
    assert step.added == library.embedded_passages(model) - first.size > 0
    members_agree(library, model)
    newest = papers(95)[-1]
    query = newest["title"]
    found = Searcher(library, embedder, ann_min=0).search(query, 3, "dense")
    assert newest["id"] in found[0].paper_id


def test_changed_and_removed_passages_leave_the_index(library: Store, embedder,
                                                      tmp_path: Path) -> None:
    model = embedder.name
    sync_index(library, model)
    record = dict(papers(80)[0])
    paper_id = next(pid for pid in library.paper_ids() if pid.startswith(record["id"]))
    old = {pk for (pk,) in library.db.execute("SELECT pk FROM passages WHERE paper_id = ?",
                                              [paper_id])}
    record["abstract"] = ("We measure how octopus camouflage patterns transfer to textile "
                          "design, and find that 12 of 14 patterns survive weaving.")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps([record]))
    import_snapshot(library, changed)
    embed_missing(library, embedder)
    step = sync_index(library, model)
    assert step.removed >= 1 and step.added >= 1 and not step.rebuilt
    members_agree(library, model)
    ann = open_dense(library, model, ann_min=0)
    vector = embedder.encode(["octopus camouflage patterns in textile design"])[0]
    best, _ = ann.top(vector, 1)[0]
    assert library.db.execute("SELECT paper_id FROM passages WHERE pk = ?",
                              [best]).fetchone()[0] == paper_id
    now = {pk for (pk,) in library.db.execute("SELECT pk FROM passages WHERE paper_id = ?",
                                              [paper_id])}
    gone = old - now
    hits = {pk for pk, _ in ann.top(vector, 50)}
    assert not (gone & hits)


def test_a_lost_or_broken_index_file_is_rebuilt(library: Store, embedder) -> None:
    model = embedder.name
    sync_index(library, model)
    path = index_path(library, model)
    path.unlink()
    assert sync_index(library, model).rebuilt
    members_agree(library, model)
    path.write_bytes(b"not an index")  # nothing changed in the library: found on opening it
    assert not sync_index(library, model).rebuilt
    dense = open_dense(library, model, ann_min=0)
    assert isinstance(dense, AnnIndex)
    members_agree(library, model)
    vector = embedder.encode(["agentic sketch comedy generation"])[0]
    assert dense.top(vector, 3)


def test_a_sync_killed_before_it_recorded_its_work_is_mended(library: Store, embedder) -> None:
    """The file was renamed into place but the table never heard of some members (a kill
    between the two): the next sync replaces them instead of failing on duplicate keys."""
    model = embedder.name
    sync_index(library, model)
    with library.write() as db:
        db.execute("DELETE FROM dense_index WHERE model = ? AND pk IN "
                   "(SELECT pk FROM dense_index WHERE model = ? LIMIT 7)", [model, model])
    step = sync_index(library, model)
    assert step.added == 7 and not step.rebuilt
    members_agree(library, model)


def test_ann_min_is_a_setting() -> None:
    assert load_settings(env={"SYNTH_ANN_MIN": "5000"}).ann_min == 5000
    assert load_settings(env={}).ann_min == 100_000
    with pytest.raises(ConfigError, match="SYNTH_ANN_MIN"):
        load_settings(env={"SYNTH_ANN_MIN": "-1"})


def test_ingest_builds_the_index_once_the_library_is_large_enough(tmp_path: Path,
                                                                  embedder) -> None:
    from synth.engine.run import ingest_and_embed

    snapshot = tmp_path / "cscl.json"
    snapshot.write_text(json.dumps(papers(20)))
    small = load_settings(env={}, home=tmp_path / "small")
    large = load_settings(env={"SYNTH_ANN_MIN": "10"}, home=tmp_path / "large")
    for settings in (small, large):
        settings.home.mkdir()
        with open_store(settings.db_path) as store:
            report = ingest_and_embed(store, settings, [str(snapshot)])
            assert len(report.added) == 20 and report.embedded > 10
    with open_store(small.db_path) as store:
        assert not index_path(store, small.embed_model).exists()
    with open_store(large.db_path) as store:
        members_agree(store, large.embed_model)


def test_an_index_that_cannot_be_written_is_one_line_and_loses_nothing(library: Store, embedder) -> None:
    from synth.errors import StoreError

    model = embedder.name
    folder = index_path(library, model).parent
    folder.mkdir(parents=True)
    folder.chmod(0o500)  # the lock file can be made by root, but not the new index
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: fill the name with a folder
            folder.chmod(0o700)
            index_path(library, model).with_suffix(".partial").mkdir()
        with pytest.raises(StoreError, match="cannot write the dense index"):
            sync_index(library, model)
    finally:
        folder.chmod(0o700)
    assert library.index_members(model) == 0  # nothing recorded for a file never written
    shutil.rmtree(index_path(library, model).with_suffix(".partial"), ignore_errors=True)
    assert sync_index(library, model).rebuilt
    members_agree(library, model)


def test_a_new_searcher_skips_the_in_step_checks_until_the_library_changes(
        library: Store, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import synth.search.hybrid as hybrid

    model = embedder.name
    first = Searcher(library, embedder, ann_min=0)
    assert library.in_step_at(model) == (library.generation(), "ann", 0)
    checks: list[int] = []
    real = hybrid.embed_missing  # the first of the checks: counted, still run
    monkeypatch.setattr(hybrid, "embed_missing",
                        lambda *args, **kw: checks.append(1) or real(*args, **kw))
    again = Searcher(library, embedder, ann_min=0)
    assert not checks and isinstance(again.dense, AnnIndex)
    assert ([h.passage_id for h in again.search(QUERIES[0], 5)]
            == [h.passage_id for h in first.search(QUERIES[0], 5)])
    assert isinstance(Searcher(library, embedder, ann_min=10**9).dense, ExactIndex)
    assert len(checks) == 1  # another ann_min is checked
    grown = tmp_path / "grown.json"
    grown.write_text(json.dumps(papers(95)))
    before = library.generation()
    import_snapshot(library, grown)  # new passages, not embedded: the generation moves
    assert library.generation() > before
    newest = papers(95)[-1]
    found = Searcher(library, embedder, ann_min=0).search(newest["title"], 3, "dense")
    assert len(checks) == 2 and newest["id"] in found[0].paper_id
    Searcher(library, embedder, ann_min=0)  # the last one embedded: checked once more
    Searcher(library, embedder, ann_min=0)
    assert len(checks) == 3
    members_agree(library, model)
    index_path(library, model).write_bytes(b"broken since it was found in step")
    assert Searcher(library, embedder, ann_min=0).search(QUERIES[0], 3)
    assert len(checks) == 4
    members_agree(library, model)
