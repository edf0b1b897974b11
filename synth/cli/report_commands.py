"""Commands on reports: ask, reports, show, batch, regenerate, audit, export, import, correct
and diff. Each parses options, opens the library, calls one library function, prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from synth.cli.app import _formats, _store, cli, progress_bars
from synth.config import Settings
from synth.engine import ENGINES
from synth.errors import SynthError
from synth.records.options import RunOptions
from synth.report.render import detex, where

if TYPE_CHECKING:
    from synth.pipeline.publish import Published


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
        if report.answer is not None:
            click.echo(detex(report.answer.text))
        for line in report.answerability:
            click.echo(line)
        r = report.results
        click.echo(f"papers {r['papers_kept']} kept of {r['papers_retrieved']}; claims "
                   f"{r.get('claims_on_point', '-')} on point of {r['claims_extracted']}, "
                   f"{r.get('claims_quoted', 0)} quoted, {r['claims_verified']} verified; "
                   f"review score "
                   f"{report.score:.1f}/10 ({report.quality_tier})")
        for note in report.notes:
            click.echo(f"note: {note}")
        _echo_published(publish(store, settings, report, out, kinds), out)
    click.echo(f"report {report.id} version {report.version}")


def _echo_published(done: Published, out: Path) -> None:
    for path in done.files:
        click.echo(f"wrote {path}")
    if done.cards:
        click.echo(f"wrote {done.cards} digest cards ({len(done.card_files)} files) in "
                   f"{out / 'cards'}")



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
        score = f"{row['score']:.1f}" if isinstance(row["score"], (int, float)) else "-"
        click.echo(f"{row['id']}  v{row['version']}  {row['created']}  score {score}  "
                   f"{row['claims']} claims  {str(row['question'])[:80]}")


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
@click.option("--workers", type=click.IntRange(1, 64), help="Local worker processes (default: one "
              "per core, fewer when memory is short).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each report's files and digest cards here.")
@click.option("--format", "formats", default="md,html,json", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The summary as JSON.")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="Run the questions in local worker processes, or as tasks on a Ray cluster "
                   "(every node reads the library at the same path: a shared disk or a copy; "
                   "reports are stored here).")
@click.option("--ray-address", envvar="RAY_ADDRESS",
              help="The Ray cluster to join (default: RAY_ADDRESS, else start Ray here).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def batch(settings: Settings, file: Path, workers: int | None, out: Path | None, formats: str,
          as_json: bool, engine: str, ray_address: str | None, quiet: bool) -> None:
    """Run synth ask for every question in FILE (one per line, or JSON Lines with
    question, max_papers, source), in parallel; rerun the same file to resume after a kill."""
    from synth.engine.run import batch_runner
    from synth.pipeline.batch import batch as run_batch

    kinds = _formats(formats)
    runner = batch_runner(engine, workers, ray_address)
    with progress_bars(quiet) as bars:
        rows = run_batch(settings, file, out=out, formats=kinds, runner=runner,
                         progress=lambda d, t: bars("questions", d, t))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(f"{'line':>4}  {'report':<12}  {'v':>2}  {'score':>5}  {'claims':>6}  "
                   "question")
        for r in rows:
            if r.get("report_id"):
                click.echo(f"{r['line']:>4}  {r['report_id']:<12}  {r['version']:>2}  "
                           f"{r['score']:>5.1f}  {r['sourced']:>2}/{r['claims']:<3}  "
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
        failed = 0
        for n, rid in enumerate(ids, start=1):
            try:
                report = run_regenerate(store, settings, embedder, rid, from_stage)
            except SynthError as err:
                if len(ids) == 1:
                    raise
                click.echo(f"error: {rid}: {err}", err=True)  # the others go on
                failed += 1
                continue
            click.echo(f"{report.id} v{report.version}  score {report.score:.1f}  "
                       f"{report.question[:70]}")
            if out is not None:
                _echo_published(publish(store, settings, report, out, kinds), out)
            bars("reports", n, len(ids))
    if failed:
        sys.exit(1)


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


