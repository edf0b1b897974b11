"""Commands on the library and its papers: ingest, search, library, extract, digest, verify,
eval and calls. Each parses options, opens the library, calls one library function, prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from synth.cli.app import _formats, _store, cli, progress_bars
from synth.config import Settings
from synth.engine import ENGINES
from synth.errors import InvalidInput
from synth.report.render import where
from synth.store.db import Store


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--query", help="Also search arXiv for this text and ingest the results.")
@click.option("--max", "max_results", type=click.IntRange(1, 2000), default=10, show_default=True,
              help="How many arXiv search results to ingest with --query.")
@click.option("--no-pdf", is_flag=True, help="arXiv papers: store metadata only, skip the PDF.")
@click.option("--no-embed", is_flag=True, help="Do not compute embeddings now (search will).")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="Where PDFs are parsed and passages embedded: here, or a Ray cluster.")
@click.option("--ray-address", envvar="RAY_ADDRESS",
              help="The Ray cluster to join (default: RAY_ADDRESS, else start Ray here).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_obj
def ingest(settings: Settings, sources: tuple[str, ...], query: str | None, max_results: int,
           no_pdf: bool, no_embed: bool, engine: str, ray_address: str | None,
           quiet: bool) -> None:
    """Add papers: arXiv ids, snapshot JSON Lines files, PDF files or folders of PDFs.

    \b
    synth ingest 2106.09685v2 1910.01108
    synth ingest --query "small language models for text classification" --max 20
    synth ingest arxiv-metadata-oai-snapshot.json
    synth ingest papers/            # every PDF below the folder
    synth ingest --engine ray --ray-address 10.0.0.5:6379 papers/
    """
    from synth.engine.run import ingest_and_embed

    if not sources and not query:
        raise click.UsageError("give at least one source or --query")
    with _store(settings) as store, progress_bars(quiet) as bars:
        report = ingest_and_embed(store, settings, list(sources), query=query,
                                  max_results=max_results, with_pdf=not no_pdf,
                                  embed=not no_embed, engine=engine, address=ray_address,
                                  progress=bars)
    click.echo(f"added {report.added_count}, unchanged {report.unchanged_count}, "
               f"failed {report.failed_count}, parse problems {report.problem_count}, "
               f"embedded {report.embedded}")
    for line in report.failed:
        click.echo(f"  failed: {line}", err=True)
    if report.failed_count > len(report.failed):
        click.echo(f"  ... and {report.failed_count - len(report.failed)} more failed: "
                   "synth library lists every parse problem", err=True)
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
@click.option("--json", "as_json", is_flag=True, help="A JSON array of hits (docs/formats.md).")
@click.pass_obj
def search(settings: Settings, query: str | None, top: int, queries_file, mode: str,
           as_json: bool) -> None:
    """Find the passages that best match QUERY (BM25 and embeddings, fused)."""
    from synth.search.embed import load_embedder
    from synth.search.hybrid import Searcher

    if bool(query) == bool(queries_file):
        raise click.UsageError("give either QUERY or --queries FILE")
    embedder = load_embedder(settings.embed_model)
    with _store(settings) as store, Searcher(store, embedder, settings.lexical,
                                             ann_min=settings.ann_min) as searcher:
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
@click.argument("claim", required=False)
@click.option("--claims", "claims_file", type=click.File("r"),
              help="One claim per line; JSON Lines out, models loaded once.")
@click.option("--papers", help="Comma-separated paper ids: look for evidence only in these.")
@click.option("--json", "as_json", is_flag=True, help="The verdict as JSON.")
@click.pass_obj
def verify(settings: Settings, claim: str | None, claims_file, papers: str | None,
           as_json: bool) -> None:
    """Check CLAIM against the library: supported, contradicted or insufficient, with evidence.

    With --claims, a line that is not a checkable claim (empty, too long) is reported on
    stderr with its line number and the others go on; the exit is then non-zero."""
    from synth.verification.verify import verify_claim

    if (claim is None) == (claims_file is None):
        raise click.UsageError("give either CLAIM or --claims FILE")
    paper_ids = [p.strip() for p in papers.split(",") if p.strip()] if papers else None
    with _store(settings) as store:
        searcher_for, scorer = _verifier(settings, store)
        searcher = searcher_for()
        if claims_file:
            failed = 0
            for n, line in enumerate((line.strip() for line in claims_file), start=1):
                if not line:
                    continue
                try:
                    verdict = verify_claim(line, searcher, scorer, paper_ids=paper_ids)
                except InvalidInput as err:  # this line only: the others go on
                    click.echo(f"error: line {n}: {err}", err=True)
                    failed += 1
                    continue
                click.echo(verdict.model_dump_json())
            if failed:
                sys.exit(InvalidInput.exit_code)
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
    return (lambda: Searcher(store, embedder, settings.lexical, ann_min=settings.ann_min)), scorer


@cli.command()
@click.argument("paper_id")
@click.option("--question", help="Keep only claims that bear on this question.")
@click.option("--extractor", type=click.Choice(["auto", "offline", "llm"]), default="auto",
              show_default=True, help="auto: the LLM when one is configured, else offline.")
@click.option("--max-claims", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--max-passages", type=click.IntRange(1, 1000),
              help="llm extractor: how many passages to send (default 6, the best first).")
@click.option("--json", "as_json", is_flag=True, help="The extraction as JSON (docs/formats.md).")
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


@eval_group.command(name="pairs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def eval_pairs_cmd(settings: Settings, file: Path, as_json: bool) -> None:
    """Score labelled (claim, evidence) pairs with the verifier (SYNTH_VERIFY_MODEL) and print
    accuracy, macro-F1, per-class F1, the confusion matrix and pairs/s.

    FILE is JSON Lines of {"claim", "evidence", "label"}; labels are entailment / neutral /
    contradiction or SUPPORT / NEI / REFUTE, and any other label is an error."""
    from synth.verification.pairs import eval_pairs

    with _store(settings) as store, progress_bars(False) as bars:
        _, scorer = _verifier(settings, store)
        report = eval_pairs(scorer, file, progress=lambda d, t: bars("pairs", d, t))
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    click.echo(f"{report.pairs} pairs, scorer {report.scorer}: accuracy {report.accuracy:.4f}, "
               f"macro-F1 {report.macro_f1:.4f}, {report.pairs_per_second:.1f} pairs/s")
    for label, f1 in report.f1_by_class.items():
        click.echo(f"  F1 {label:<14}{f1:.4f}")
    click.echo("  confusion (gold -> predicted): " + "; ".join(
        f"{g}: " + ", ".join(f"{p} {n}" for p, n in row.items())
        for g, row in report.confusion.items()))


@eval_group.command(name="judge")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fit", is_flag=True, help="Fit the judge's P(yes) to these answers and store "
              "the fit for this model in $SYNTH_HOME, where synth ask uses it.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def eval_judge_cmd(settings: Settings, file: Path, fit: bool, as_json: bool) -> None:
    """Ask the configured LLM, as the stance judge of yes/no answers, labelled questions and
    print how well it ranks and answers them (AUC, accuracy, always-yes accuracy, seconds).

    FILE is JSON Lines of {"question", "text", "answer"}: a yes/no question, the study's text
    (an abstract) and the expert's yes / no / maybe. Answers are cached in the library."""
    from synth.answer.judge import LLMJudge
    from synth.answer.judge_fit import FITS_FILE, eval_judge, read_questions, stored_fit
    from synth.llm.client import LLM

    questions = read_questions(file)
    with _store(settings) as store, progress_bars(as_json) as bars:
        judge = LLMJudge(LLM(settings, store=store),
                         fit=stored_fit(settings.home, settings.llm_model))
        report = eval_judge(judge, questions, str(file), settings.home, fit=fit,
                            progress=lambda d, t: bars("questions", d, t))
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    ranked = "n/a (needs yes and no questions)" if report.auc is None else f"{report.auc:.3f}"
    click.echo(f"{report.questions} questions ({report.yes} yes, {report.no} no, "
               f"{report.maybe} maybe), judge {report.model}: AUC yes vs no {ranked}, "
               f"accuracy {report.accuracy:.3f}{' in sample' if report.fitted_now else ''} "
               f"(always yes {report.always_yes:.3f}), "
               f"answered yes {report.said_yes:.0%}, {report.seconds_per_question:.1f} s/question")
    if report.fit is None:
        click.echo("  unfitted: P(yes) = sigmoid(z); fit it with --fit on labelled questions")
        return
    f = report.fit
    click.echo(f"  {'fitted now' if report.fitted_now else 'fit in use'}: P(yes) = "
               f"sigmoid({f.scale:.3f} z {'+' if f.shift >= 0 else '-'} {abs(f.shift):.3f}), "
               f"on {f.questions} yes/no questions of {f.file} ({f.date}); out-of-fold "
               f"accuracy there {f.accuracy:.3f} (always yes {f.always_yes:.3f})")
    if report.fitted_now:
        click.echo(f"  stored in {settings.home / FITS_FILE}: synth ask uses it for "
                   f"{f.model}")


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


