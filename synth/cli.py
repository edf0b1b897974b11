"""The ``synth`` command line: parse options, open the library, call one library function,
print. Every :class:`~synth.errors.SynthError` becomes one ``error: ...`` line on stderr and
the error's exit code; an ingest in which some items failed exits 1 after its summary.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from synth import __version__
from synth.config import Settings, load_settings
from synth.errors import SynthError
from synth.records.options import RunOptions
from synth.report.render import where
from synth.store.db import Store, open_store


class SynthGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SynthError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)


class Bars:
    """tqdm progress bars keyed by label; the library only calls ``(label, done, total)``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, object] = {}

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(label)
        if bar is None:
            bar = self.bars[label] = tqdm(total=total, desc=label, unit=" items",
                                          file=sys.stderr, leave=False)
        if total is None:
            bar.update(done)  # type: ignore[attr-defined]
        else:
            bar.update(done - bar.n)  # type: ignore[attr-defined]

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()  # type: ignore[attr-defined]


@contextmanager
def progress_bars(quiet: bool) -> Iterator[Bars]:
    bars = Bars(enabled=not quiet and sys.stderr.isatty())
    try:
        yield bars
    finally:
        bars.close()


@click.group(cls=SynthGroup)
@click.version_option(__version__, prog_name="synth")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Library folder (default: $SYNTH_HOME, else ~/.local/share/synth).")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does to stderr.")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, verbose: bool) -> None:
    """synth: literature synthesis in which every claim traces to a page and character span."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = load_settings(home=home)


def _store(settings: Settings) -> Store:
    return open_store(settings.db_path)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--query", help="Also search arXiv for this text and ingest the results.")
@click.option("--max", "max_results", type=click.IntRange(1, 2000), default=10, show_default=True,
              help="How many arXiv search results to ingest with --query.")
@click.option("--no-pdf", is_flag=True, help="arXiv papers: store metadata only, skip the PDF.")
@click.option("--no-embed", is_flag=True, help="Do not compute embeddings now (search will).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_obj
def ingest(settings: Settings, sources: tuple[str, ...], query: str | None, max_results: int,
           no_pdf: bool, no_embed: bool, quiet: bool) -> None:
    """Add papers: arXiv ids, snapshot JSON Lines files, PDF files or folders of PDFs.

    \b
    synth ingest 2106.09685v2 1910.01108
    synth ingest --query "small language models for text classification" --max 20
    synth ingest arxiv-metadata-oai-snapshot.json
    synth ingest papers/            # every PDF below the folder
    """
    from synth.library.ingest import ingest as run_ingest
    from synth.search.embed import embed_missing, load_embedder

    if not sources and not query:
        raise click.UsageError("give at least one source or --query")
    with _store(settings) as store, progress_bars(quiet) as bars:
        report = run_ingest(store, settings, list(sources), query=query,
                            max_results=max_results, with_pdf=not no_pdf, progress=bars)
        if not no_embed and report.added:
            report.embedded = embed_missing(store, load_embedder(settings.embed_model),
                                            lambda d, t: bars("embeddings", d, t))
    click.echo(f"added {len(report.added)}, unchanged {len(report.unchanged)}, "
               f"failed {len(report.failed)}, parse problems {len(report.problems)}, "
               f"embedded {report.embedded}")
    for line in report.failed:
        click.echo(f"  failed: {line}", err=True)
    for p in report.problems:
        if p.paper_id:  # problems of failed items were already listed with them
            click.echo(f"  problem: {p.paper_id} page {p.page or '-'}: {p.kind}: {p.detail}",
                       err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("query", required=False)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--queries", "queries_file", type=click.File("r"),
              help="One query per line; JSON Lines out, one model load for all.")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default="hybrid",
              show_default=True, help="Fused ranking, or one of its two halves.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of hits (see README).")
@click.pass_obj
def search(settings: Settings, query: str | None, top: int, queries_file, mode: str,
           as_json: bool) -> None:
    """Find the passages that best match QUERY (BM25 and embeddings, fused)."""
    from synth.search.embed import load_embedder
    from synth.search.hybrid import Searcher

    if bool(query) == bool(queries_file):
        raise click.UsageError("give either QUERY or --queries FILE")
    with _store(settings) as store:
        searcher = Searcher(store, load_embedder(settings.embed_model), settings.lexical)
        if queries_file:
            for line in queries_file:
                if line.strip():
                    hits = searcher.search(line.strip(), top, mode)
                    click.echo(json.dumps({"query": line.strip(),
                                           "hits": [h.model_dump() for h in hits]}))
            return
        hits = searcher.search(query, top, mode)
    if as_json:
        click.echo(json.dumps([h.model_dump() for h in hits], indent=2))
        return
    for i, h in enumerate(hits, start=1):
        click.echo(f"{i:>2}. [{h.paper_id}] {h.title[:90]}  ({where(h.page)}, "
                   f"chars {h.char_start}-{h.char_end}, score {h.score:.4f})")
        click.echo(f"    {' '.join(h.text.split())[:300]}")


def _formats(value: str) -> list[str]:
    from synth.report.render import FORMATS

    formats = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(f"use a comma-separated list of {', '.join(FORMATS)}")
    return formats


@cli.command()
@click.argument("question")
@click.option("--max-papers", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--source", type=click.Choice(["library", "arxiv", "both"]), default="both",
              show_default=True, help="Where to look; 'both' falls back to the library when "
              "arXiv cannot be reached.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for the rendered report files.")
@click.option("--format", "formats", default="md,html,json", show_default=True,
              help="Comma-separated: md, html, json.")
@click.option("--dry-run", is_flag=True, help="Estimate LLM calls, tokens and cost from the "
              "library; call nothing, write nothing.")
@click.option("--budget", type=click.FloatRange(0), help="Cap on LLM spend in USD; past it "
              "the run goes on offline.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_obj
def ask(settings: Settings, question: str, max_papers: int, source: str, out: Path,
        formats: str, dry_run: bool, budget: float | None, quiet: bool) -> None:
    """Answer QUESTION from the literature: retrieve, screen, extract, verify, review, and
    write the report (Markdown, HTML, JSON) to --out. It is also stored: see synth reports."""
    from synth.pipeline.estimate import estimate
    from synth.pipeline.publish import publish
    from synth.pipeline.run import run_ask
    from synth.search.embed import LazyEmbedder

    kinds = _formats(formats)
    options = RunOptions(max_papers=max_papers, source=source, budget=budget)  # type: ignore[arg-type]
    with _store(settings) as store, progress_bars(quiet) as bars:
        if dry_run:
            guess = estimate(store, settings, LazyEmbedder(settings.embed_model), question,
                             max_papers=max_papers)
            click.echo(guess.model_dump_json(indent=2))
            return
        report = run_ask(store, settings, LazyEmbedder(settings.embed_model), question,
                         options, progress=bars)
        for line in report.answerability:
            click.echo(line)
        r = report.results
        click.echo(f"papers {r['papers_kept']} kept of {r['papers_retrieved']}; claims "
                   f"{r['claims_verified']} verified of {r['claims_extracted']}; review score "
                   f"{report.score:.1f}/10 ({report.quality_tier})")
        for note in report.notes:
            click.echo(f"note: {note}")
        _echo_published(publish(store, settings, report, out, kinds), out)
    click.echo(f"report {report.id} version {report.version}")


def _echo_published(done, out: Path) -> None:
    for path in done.files:
        click.echo(f"wrote {path}")
    if done.cards:
        click.echo(f"wrote {done.cards} digest cards ({len(done.card_files)} files) in "
                   f"{out / 'cards'}")


@cli.command()
@click.argument("paper_id")
@click.option("--format", "formats", default="md", show_default=True,
              help="Comma-separated: md, html, json.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write the card files here instead of printing the first format.")
@click.option("--llm", "use_llm", is_flag=True, help="Have the configured LLM write the text "
              "sections (every item's quote checked).")
@click.pass_obj
def digest(settings: Settings, paper_id: str, formats: str, out: Path | None,
           use_llm: bool) -> None:
    """A card of what PAPER_ID found (TLDR, problem, contributions, findings with numbers,
    results, limitations, entities, reproducibility), every line with its quote and span."""
    from synth.cards.card import card
    from synth.report.render import card_name, render_card, write_text

    kinds = _formats(formats)
    with _store(settings) as store:
        llm = None
        if use_llm:
            from synth.llm.client import LLM

            llm = LLM(settings, store=store)
        c = card(store, settings, paper_id, llm=llm)
    if out is None:
        click.echo(render_card(c, kinds[0]), nl=False)
        return
    for fmt in kinds:
        click.echo(f"wrote {write_text(out / card_name(c.paper_id, fmt), render_card(c, fmt))}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def reports(settings: Settings, as_json: bool) -> None:
    """Stored reports, newest first, with their ids (for synth show)."""
    with _store(settings) as store:
        rows = store.reports()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo('no reports yet: run synth ask "your question"')
    for row in rows:
        click.echo(f"{row['id']}  v{row['version']}  {row['created']}  score "
                   f"{row['score']:.1f}  {row['claims']} claims  {row['question'][:80]}")


@cli.command()
@click.argument("report_id")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md",
              show_default=True)
@click.option("--version", "version", type=click.IntRange(1), help="An earlier version.")
@click.pass_obj
def show(settings: Settings, report_id: str, fmt: str, version: int | None) -> None:
    """Print a stored report (REPORT_ID, or a unique prefix of it) in one format."""
    from synth.report.history import load_report
    from synth.report.render import render

    with _store(settings) as store:
        report = load_report(store, report_id, version)
    click.echo(render(report, fmt), nl=False)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: one "
              "per core, fewer when memory is short).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each report's files and digest cards here.")
@click.option("--format", "formats", default="md,html,json", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def batch(settings: Settings, file: Path, workers: int | None, out: Path | None, formats: str,
          as_json: bool, quiet: bool) -> None:
    """Run synth ask for every question in FILE (one per line, or JSON Lines with
    question, max_papers, source), in parallel; rerun the same file to resume after a kill."""
    from synth.pipeline.batch import batch as run_batch

    kinds = _formats(formats)
    with progress_bars(quiet) as bars:
        rows = run_batch(settings, file, workers=workers, out=out, formats=kinds,
                         progress=lambda d, t: bars("questions", d, t))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(f"{'line':>4}  {'report':<12}  {'v':>2}  {'score':>5}  {'claims':>6}  "
                   "question")
        for r in rows:
            if r.get("report_id"):
                click.echo(f"{r['line']:>4}  {r['report_id']:<12}  {r['version']:>2}  "
                           f"{r['score']:>5.1f}  {r['verified']:>2}/{r['claims']:<3}  "
                           f"{r['question'][:70]}")
            else:
                click.echo(f"{r['line']:>4}  {'failed':<12}  {'':>2}  {'':>5}  {'':>6}  "
                           f"{r['question'][:50]}: {r['error']}")
    if any(not r.get("report_id") for r in rows):
        sys.exit(1)


@cli.command()
@click.argument("report_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every stored report.")
@click.option("--from-stage", type=click.Choice(["retrieve", "extract", "verify", "review",
                                                 "render"]), default="render",
              show_default=True, help="Rerun from this stage, reusing stored work before it.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each new version's files and digest cards here.")
@click.option("--format", "formats", default="md,html,json", show_default=True,
              help="Comma-separated: md, html, json (with --out).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def regenerate(settings: Settings, report_ids: tuple[str, ...], everything: bool,
               from_stage: str, out: Path | None, formats: str, quiet: bool) -> None:
    """Write a new version of stored reports, rerunning them from --from-stage."""
    from synth.pipeline.publish import publish
    from synth.pipeline.regenerate import regenerate as run_regenerate
    from synth.search.embed import LazyEmbedder

    if bool(report_ids) == everything:
        raise click.UsageError("give REPORT ids or --all")
    kinds = _formats(formats)
    embedder = LazyEmbedder(settings.embed_model)
    with _store(settings) as store, progress_bars(quiet) as bars:
        ids = [r["id"] for r in store.reports()] if everything else list(report_ids)
        for n, rid in enumerate(ids, start=1):
            report = run_regenerate(store, settings, embedder, rid, from_stage)
            click.echo(f"{report.id} v{report.version}  score {report.score:.1f}  "
                       f"{report.question[:70]}")
            if out is not None:
                _echo_published(publish(store, settings, report, out, kinds), out)
            bars("reports", n, len(ids))


@cli.command()
@click.argument("report_id")
@click.option("--claim", type=click.IntRange(1), help="Only this claim number.")
@click.option("--version", "version", type=click.IntRange(1), help="An earlier version.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit(settings: Settings, report_id: str, claim: int | None, version: int | None,
          as_json: bool) -> None:
    """Walk each claim's lineage and re-check it: quote at its span, stored text and PDF
    hashes, passage, extraction call, evidence. Exits 1 naming every break."""
    from synth.report.audit import audit as run_audit

    with _store(settings) as store:
        result = run_audit(store, settings.pdf_dir, report_id, claim, version)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        for a in result.claims:
            click.echo(f"C{a.n} [{a.paper_id}, {where(a.page)}, chars {a.char_start}-"
                       f"{a.char_end}] quote at span: {'ok' if a.quote_at_span else 'BROKEN'}; "
                       f"text sha256 {(a.text_sha256 or '-')[:12]}; PDF {a.pdf_file}; "
                       f"extractor {a.extractor}" + (f" {a.model}" if a.model else "")
                       + (f", {len(a.llm_calls)} logged LLM calls" if a.llm_calls else "")
                       + f"; {len(a.evidence)} evidence rows")
        click.echo(f"report {result.report_id} v{result.version}: {len(result.claims)} claims "
                   f"audited, {len(result.breaks)} breaks, {len(result.warnings)} warnings; "
                   f"reviewers {', '.join(r.reviewer for r in result.reviewers)}")
    for line in result.breaks:
        click.echo(f"break: {line}", err=True)
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    if result.breaks:
        sys.exit(1)


@cli.command()
@click.argument("report_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export(settings: Settings, report_id: str, file: Path) -> None:
    """Write a report, its versions and corrections, and everything it cites (papers, texts,
    passages, claims, LLM calls, PDFs) to one portable JSON bundle FILE."""
    from synth.report.bundle import export_bundle

    with _store(settings) as store:
        counts = export_bundle(store, settings.pdf_dir, report_id, file)
    click.echo(f"wrote {file}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(settings: Settings, file: Path) -> None:
    """Read a bundle written by synth export into this library (then synth audit it)."""
    from synth.report.bundle import import_bundle

    with _store(settings) as store:
        rid, counts = import_bundle(store, settings.pdf_dir, file)
    click.echo(f"imported report {rid}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@cli.command()
@click.argument("report_id")
@click.option("--claim", type=click.IntRange(1), required=True, help="The claim number.")
@click.option("--reason", required=True, help="Why: what is wrong, with its source.")
@click.option("--label", type=click.Choice(["supported", "contradicted", "insufficient"]),
              help="The label the claim should have.")
@click.pass_obj
def correct(settings: Settings, report_id: str, claim: int, reason: str,
            label: str | None) -> None:
    """Append a correction to a claim of a report (who, when, what, why); nothing is deleted."""
    from synth.report.history import correct as add_correction

    with _store(settings) as store:
        row = add_correction(store, report_id, claim, reason, label)
        count = len(store.corrections(row["report_id"]))
    click.echo(f"correction {count} recorded for C{claim} of report {row['report_id']} "
               f"v{row['version']} by {row['who']}")


@cli.command()
@click.argument("report_id")
@click.option("--from", "old", type=click.IntRange(1), help="Older version (default: the "
              "one before --to).")
@click.option("--to", "new", type=click.IntRange(1), help="Newer version (default: latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def diff(settings: Settings, report_id: str, old: int | None, new: int | None,
         as_json: bool) -> None:
    """What changed between two versions of a report, and why (the manifest)."""
    from synth.report.history import diff as run_diff

    with _store(settings) as store:
        d = run_diff(store, report_id, old, new)
    if as_json:
        click.echo(d.model_dump_json(indent=2))
        return
    click.echo(f"report {d.report_id}: v{d.from_version} -> v{d.to_version}; score "
               f"{d.score[0]:.1f} -> {d.score[1]:.1f}")
    for title, rows in (("added", d.added), ("dropped", d.dropped),
                        ("relabelled", d.relabelled), ("confidence moved", d.confidence_moves)):
        for c in rows:
            change = f" ({c.old} -> {c.new})" if c.old is not None else ""
            click.echo(f"  {title}{change}: {c.text[:100]}")
    for line in d.why:
        click.echo(f"  why: {line}")


@cli.command()
@click.argument("claim", required=False)
@click.option("--claims", "claims_file", type=click.File("r"),
              help="One claim per line; JSON Lines out, models loaded once.")
@click.option("--papers", help="Comma-separated paper ids: look for evidence only in these.")
@click.option("--json", "as_json", is_flag=True, help="The verdict as JSON.")
@click.pass_obj
def verify(settings: Settings, claim: str | None, claims_file, papers: str | None,
           as_json: bool) -> None:
    """Check CLAIM against the library: supported, contradicted or insufficient, with evidence."""
    from synth.verification.verify import verify_claim

    if (claim is None) == (claims_file is None):
        raise click.UsageError("give either CLAIM or --claims FILE")
    paper_ids = [p.strip() for p in papers.split(",") if p.strip()] if papers else None
    with _store(settings) as store:
        searcher_for, scorer = _verifier(settings, store)
        searcher = searcher_for()
        if claims_file:
            for line in (line.strip() for line in claims_file):
                if line:
                    click.echo(verify_claim(line, searcher, scorer, paper_ids=paper_ids)
                               .model_dump_json())
            return
        verdict = verify_claim(claim, searcher, scorer, paper_ids=paper_ids)
    if as_json:
        click.echo(verdict.model_dump_json(indent=2))
        return
    click.echo(f"{verdict.label} (confidence {verdict.confidence:.2f}, scorer {verdict.scorer})")
    for e in verdict.evidence:
        click.echo(f"  {e.verdict:<12} [{e.paper_id}] {where(e.page)}, chars {e.char_start}-{e.char_end}"
                   f"  entail {e.entailment:.2f} contradict {e.contradiction:.2f}")
        click.echo(f"    \"{e.quote}\"")


def _verifier(settings: Settings, store: Store):
    """(a function making the searcher, the scorer), sharing one embedding model."""
    from synth.search.embed import CachedEmbedder, load_embedder
    from synth.search.hybrid import Searcher
    from synth.verification.backends import load_scorer

    embedder = CachedEmbedder(store, load_embedder(settings.embed_model))
    scorer = load_scorer(settings.verify_model, embedder, settings, store=store)
    return (lambda: Searcher(store, embedder, settings.lexical)), scorer


@cli.command()
@click.argument("paper_id")
@click.option("--question", help="Keep only claims that bear on this question.")
@click.option("--extractor", type=click.Choice(["auto", "offline", "llm"]), default="auto",
              show_default=True, help="auto: the LLM when one is configured, else offline.")
@click.option("--max-claims", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--max-passages", type=click.IntRange(1, 1000),
              help="llm extractor: how many passages to send (default 6, the best first).")
@click.option("--json", "as_json", is_flag=True, help="The extraction as JSON (see README).")
@click.pass_obj
def extract(settings: Settings, paper_id: str, question: str | None, extractor: str,
            max_claims: int, max_passages: int | None, as_json: bool) -> None:
    """Extract the claims of PAPER_ID, each with its verbatim quote, page and character span.

    PAPER_ID is a library id; an arXiv id not yet in the library is fetched first."""
    from synth.claims.extract import extract as run_extract

    with _store(settings) as store:
        result = run_extract(store, settings, paper_id, question, extractor=extractor,  # type: ignore[arg-type]
                             max_claims=max_claims, max_passages=max_passages)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        _print_extraction(result)
    for line in result.problems:
        click.echo(f"  failed: {line}", err=True)
    if result.problems:
        sys.exit(1)


def _print_extraction(result) -> None:
    st = result.stats
    by = f"{result.extractor}" + (f", {result.model}" if result.model else "")
    click.echo(f"{len(result.claims)} claims from {result.paper_id} ({by}; {st.passages} "
               f"passages, {st.sentences or '-'} sentences read)")
    if result.extractor == "llm":
        cost = "unknown" if st.cost is None else f"${st.cost:.4f}"
        click.echo(f"  quotes: {st.passed_first_try} passed first try, {st.passed_after_retry} "
                   f"after re-asking, dropped {st.dropped_quote} not in text, "
                   f"{st.dropped_number} with invented numbers, {st.dropped_instruction} "
                   f"instruction-like; {st.llm_calls} calls ({st.cached_calls} cached), "
                   f"{st.tokens_in}+{st.tokens_out} tokens, {st.seconds:.1f} s, cost {cost}")
    if not result.claims:
        click.echo("  no claim-bearing sentence" + (" bears on the question" if result.question
                                                     else " found"))
    for n, c in enumerate(result.claims, start=1):
        click.echo(f"{n:>2}. [{c.claim_type}] {c.text}")
        click.echo(f"    {c.paper_id}, {where(c.page)}, chars {c.char_start}-{c.char_end}"
                   + (f"; numbers: {', '.join(q.text for q in c.numbers)}" if c.numbers else ""))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def calls(settings: Settings, as_json: bool) -> None:
    """LLM calls logged in the library: count, tokens, seconds and estimated cost by model and
    prompt template (prices: synth/data/prices.json, overridden by $SYNTH_HOME/prices.json)."""
    with _store(settings) as store:
        rows = store.llm_costs()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no LLM calls logged")
    for r in rows:
        cost = "unknown" if r["cost"] is None else f"${r['cost']:.4f}"
        click.echo(f"{r['model']:<28} {r['template']:<22} {r['calls']:>5} calls "
                   f"{r['tokens_in']:>9} in {r['tokens_out']:>8} out {r['seconds']:>8.1f} s  "
                   f"{cost:>10}  {r['errors']} errors")


@cli.group(name="eval")
def eval_group() -> None:
    """Measure synth on public benchmarks."""


@eval_group.command(name="scifact")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--claims", "claims_name", default="claims_train.jsonl", show_default=True,
              help="Labelled claims file inside FOLDER (or a path).")
@click.option("--limit", type=click.IntRange(1), help="Only the first N claims.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def eval_scifact_cmd(settings: Settings, folder: Path, claims_name: str, limit: int | None,
                     as_json: bool) -> None:
    """Verify SciFact-format claims against FOLDER/corpus.jsonl by open retrieval and print
    claim-level macro-F1, abstract-level label F1, recall, calibration error and speed.
    Use a separate --home: the corpus is imported into the library."""
    from synth.verification.evaluate import eval_scifact

    claims = Path(claims_name) if Path(claims_name).is_file() else folder / claims_name
    with _store(settings) as store, progress_bars(False) as bars:
        searcher_for, scorer = _verifier(settings, store)
        report = eval_scifact(store, searcher_for, scorer, folder / "corpus.jsonl", claims,
                              limit=limit, progress=lambda d, t: bars("claims", d, t))
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    for key, value in report.model_dump().items():
        click.echo(f"{key:<24}{value}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def library(settings: Settings, as_json: bool) -> None:
    """What the library holds: counts by source, and every parse problem."""
    with _store(settings) as store:
        counts, by_source, problems = store.counts(), store.counts_by_source(), store.problems()
    if as_json:
        click.echo(json.dumps({"path": str(settings.db_path), **counts, "by_source": by_source,
                               "problems": [p.model_dump() for p in problems]}, indent=2))
        return
    click.echo(f"library: {settings.db_path}")
    for key, value in counts.items():
        click.echo(f"  {key:<22}{value}")
    for source, n in sorted(by_source.items()):
        click.echo(f"  from {source:<17}{n}")
    for p in problems:
        click.echo(f"  problem: {p.paper_id or p.path} page {p.page or '-'}: {p.kind}: {p.detail}")


def main() -> None:
    cli(prog_name="synth")
