from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

import pytest

from synth.errors import SnapshotError
from synth.library.snapshot import import_snapshot, read_snapshot, record_to_paper
from synth.store.db import open_store

from .conftest import DATA

LLM_BIBLE = DATA / "arxiv-abstracts" / "llm-bible" / "llm_bible_papers.jsonl.gz"
CSCL_2026 = DATA / "arxiv-abstracts" / "nlp-paper-search-cscl-2026" / "arxiv_papers.json"
SCIFACT = DATA / "scifact" / "corpus.jsonl"

# One record exactly as arXiv's metadata snapshot (Kaggle arxiv-metadata-oai-snapshot.json) writes it.
SNAPSHOT_RECORD = {
    "id": "0704.0001", "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages, 15 figures; published version", "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009", "report-no": "ANL-HEP-PR-07-12",
    "categories": "hep-ph", "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs at hadron colliders.\n",
    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                 {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}],
    "update_date": "2008-11-13",
    "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", ""],
                       ["Yuan", "C. -P.", ""]],
}


def llm_bible_lines(n: int) -> list[str]:
    with gzip.open(LLM_BIBLE, "rt", encoding="utf-8") as f:
        return [line for line in islice(f, n)]


def test_snapshot_record_gets_last_version_dates_and_parsed_authors() -> None:
    paper = record_to_paper(SNAPSHOT_RECORD)
    assert paper.id == "0704.0001v2" and paper.base_id == "0704.0001" and paper.version == 2
    assert paper.title.startswith("Calculation of prompt diphoton production cross sections at Tevatron and LHC")
    assert paper.authors[0] == "C. Balázs" and len(paper.authors) == 4
    assert paper.published == "2007-04-02" and paper.updated == "2008-11-13"
    assert paper.categories == ["hep-ph"] and paper.source == "snapshot"


def test_records_with_only_id_title_abstract_keep_their_id(tmp_path: Path) -> None:
    f = tmp_path / "corpus.jsonl"
    f.write_text(json.dumps({"id": "doc-17", "title": "T", "abstract": "A."}) + "\n")
    [paper] = list(read_snapshot(f))
    assert paper.id == paper.base_id == "doc-17" and paper.version is None


def test_scifact_corpus_shape_is_accepted() -> None:
    with SCIFACT.open() as f:
        rec = json.loads(f.readline())
    paper = record_to_paper(rec)
    assert paper.id == str(rec["doc_id"]) and paper.abstract.startswith(rec["abstract"][0])


def test_malformed_line_is_reported_with_its_number_and_the_rest_import(tmp_path: Path) -> None:
    lines = llm_bible_lines(6)
    lines.insert(3, '{"arxiv_id": "2401.00001", "title": broken json\n')
    lines.insert(5, '{"abstract": "no id and no title"}\n')
    f = tmp_path / "papers.jsonl"
    f.write_text("".join(lines))
    with open_store(tmp_path / "lib.db") as store:
        report = import_snapshot(store, f)
        assert len(report.added) == 6
        assert [p.detail.split(":")[0] for p in report.problems] == ["line 4", "line 6"]
        assert store.counts()["papers"] == 6
        assert {p.kind for p in store.problems()} == {"bad_record"}


def test_reimporting_an_unchanged_file_changes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "papers.jsonl"
    f.write_text("".join(llm_bible_lines(40)))
    with open_store(tmp_path / "lib.db") as store:
        first = import_snapshot(store, f)
        passages = store.counts()["passages"]
        second = import_snapshot(store, f)
        assert len(first.added) == 40 and not second.added and len(second.unchanged) == 40
        assert store.counts()["passages"] == passages


def test_changed_record_is_rewritten_not_duplicated(tmp_path: Path) -> None:
    f = tmp_path / "papers.jsonl"
    rec = dict(SNAPSHOT_RECORD)
    f.write_text(json.dumps(rec) + "\n")
    with open_store(tmp_path / "lib.db") as store:
        import_snapshot(store, f)
        rec["abstract"] = "A corrected abstract about diphoton production."
        f.write_text(json.dumps(rec) + "\n")
        report = import_snapshot(store, f)
        assert report.added == ["0704.0001v2"]
        assert store.counts()["papers"] == 1
        assert "corrected abstract" in store.fulltext("0704.0001v2")


def test_json_array_file_imports(tmp_path: Path) -> None:
    with open_store(tmp_path / "lib.db") as store:
        report = import_snapshot(store, CSCL_2026)
        assert len(report.added) == 500 and not report.failed
        paper = store.get_paper("2603.11048v1")
        assert paper.title == "COMIC: Agentic Sketch Comedy Generation"
        assert paper.categories[0] == "cs.CV" and paper.categories.count("cs.CV") == 1


def test_gzip_snapshot_streams(tmp_path: Path) -> None:
    papers = list(islice(read_snapshot(LLM_BIBLE), 100))
    assert len(papers) == 100 and all(p.title for p in papers)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with open_store(tmp_path / "lib.db") as store, pytest.raises(SnapshotError, match="not a file"):
        import_snapshot(store, tmp_path / "nope.jsonl")


def test_repeated_id_in_one_file_is_stable_on_reimport(tmp_path: Path) -> None:
    first = {"id": "doc-1", "title": "T", "abstract": "First text."}
    f = tmp_path / "dupes.jsonl"
    f.write_text(json.dumps(first) + "\n" + json.dumps({**first, "abstract": "Second text."}) + "\n")
    with open_store(tmp_path / "lib.db") as store:
        import_snapshot(store, f)
        assert "Second text." in store.fulltext("doc-1")  # file order: the last one wins
        again = import_snapshot(store, f)
        assert not again.added and again.unchanged == ["doc-1", "doc-1"]
        assert "Second text." in store.fulltext("doc-1")


def test_a_large_import_counts_everything_lists_a_few_and_stores_every_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synth.records import papers

    monkeypatch.setattr(papers, "LISTED", 40)  # what a multi-million-line file meets at 1,000
    lines = llm_bible_lines(1200)
    bad = {7, 300, 777, 1100}  # in three of the import's batches
    for n in bad:
        lines[n] = "{not json\n"
    f = tmp_path / "big.jsonl"
    f.write_text("".join(lines))
    with open_store(tmp_path / "lib.db") as store:
        report = import_snapshot(store, f)
        assert report.added_count == store.counts()["papers"] == 1200 - len(bad)
        assert len(report.added) == 40 and all(store.get_paper(pid) for pid in report.added)
        assert report.failed_count == report.problem_count == len(bad)
        assert len(store.problems()) == len(bad)  # one batch's problems never replace another's
        again = import_snapshot(store, f)
        assert again.unchanged_count == 1200 - len(bad) and len(again.unchanged) == 40
        assert not again.added_count and len(store.problems()) == len(bad)
