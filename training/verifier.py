"""Train the default verifier (``synth/data/verifier_xenc.safetensors``) on Check-COVID train.

    python -m training.verifier ../shared/data/check-covid [--out PATH] [--epochs 3]
        [--abstracts ARXIV_SNAPSHOT --synthetic N]
    python -m training.verifier ../shared/data/check-covid --decider-only   # weights kept
    python -m training.verifier ../shared/data/check-covid --nli ../shared/data/nli \
        --one-stage --epochs 1 --out FILE     # general sets and in-domain pairs together
    python -m training.verifier ../shared/data/check-covid --nli ../shared/data/nli \
        --pubmedqa ../shared/data/pubmedqa --bf16 --out FILE   # + PubMedQA conclusions

Check-COVID (Wang et al. 2023, MIT licence) pairs news-style COVID claims with sentences of a
CORD-19 abstract, labelled SUPPORT / REFUTE / NOTENOUGHINFO. Its abstracts are split by
``cord_id`` (so no abstract is on both sides) into:

* **training abstracts** (80%): their claims make the (claim, sentence) pairs that fine-tune the
  MiniLM cross-encoder of :mod:`synth.verification.xenc`. SUPPORT claim + rationale sentence -> entailment,
  REFUTE + rationale -> contradiction, NOTENOUGHINFO + its marked sentences, any claim + two
  other sentences of its abstract, and + one sentence of another abstract -> neutral.
* **held abstracts** (20%): their claims run through the real pipeline (a temporary library of
  the whole Check-COVID corpus, open retrieval, the freshly trained scorer), and the claim-level
  decider of :mod:`synth.verification.decide` and its temperature are fitted on what comes out
  (:func:`decider_examples`), so neither sees scores the cross-encoder was trained on.

Tried and not kept (SciFact train, 809 claims; the shipped recipe scored claim-level
macro-F1 0.49-0.50 there before the word gate of :mod:`synth.verification.decide`, 0.524
with it): LoRA adapters trained directly (rank 8) underfit (loss 0.91 after 2 epochs at lr
5e-4, where full fine-tuning reached 0.83; stuck at chance at 2e-3), so the encoder is
fine-tuned (word embeddings frozen) and its change compressed afterwards (in a 2-epoch run
the compressed model kept the full model's label for 96.6% of held pairs); a claim decider
fitted on Check-COVID's own NOTENOUGHINFO claims scored 0.42 (2-epoch model; see
:func:`decider_examples`); adding a rule-negated copy of each SUPPORT claim as a contradiction
pair scored 0.487 (CONTRADICT F1 0.42 -> 0.47, but NOT ENOUGH INFO 0.44 -> 0.38).
Rule-made pairs from finding sentences (:mod:`training.augment`, ``--abstracts FILE --synthetic
N``; 800 sentences, 2,400 pairs, mostly from the CC0 arXiv abstracts of the LLM-efficiency
slice) scored 0.480 with verbatim copies as the entailments (on gold rationale sentences,
contradicting ones read as contradiction 61% of the time, was 59%, but supporting ones as
entailment only 53%, was 72%), and 0.484 with a same-direction synonym swapped into each
entailment (the default of :mod:`training.augment` now; supporting rationales 60% entailment,
contradicting 53% contradiction). Refitting the claim decider on SciFact by cross-validation
(a measurement only) gives 0.537 and 0.545 for the two, against 0.531 for the shipped scorer:
the rule-made pairs move the scores little and away from SciFact's paraphrases.

Everything is seeded; on the same data, versions and machine the weights come out the same.
About 15 minutes on 2 idle CPU cores.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path

import numpy as np

from synth.verification.scorers import LABELS
from synth.verification.xenc import (
    DELTA_RANK,
    MAX_TOKENS,
    XENC_PATH,
    bf16_is_fast,
    build_model,
    compress,
    mean_pool,
    read_adapters,
)

TRAIN_FILE = "train/covidCheck_train_composed+extracted.json"
LABEL_OF = {"SUPPORT": "entailment", "REFUTE": "contradiction", "NOTENOUGHINFO": "neutral"}
CLAIM_LABEL = {"SUPPORT": "supported", "REFUTE": "contradicted", "NOTENOUGHINFO": "insufficient"}
HELD_SHARE = 0.2
SEED = 13


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_check_covid(folder: Path) -> tuple[list[dict], dict[str, list[str]]]:
    corpus = {d["cord_id"]: d["abstract"] for d in read_jsonl(folder / "corpus.json")}
    claims = [c for c in read_jsonl(folder / TRAIN_FILE) if c["cord_id"] in corpus]
    for c in claims:
        c["claim"] = " ".join(c["claim"].split())
    return claims, corpus


def split_by_abstract(claims: list[dict], held_share: float = HELD_SHARE,
                      seed: int = SEED) -> tuple[list[dict], list[dict]]:
    ids = sorted({c["cord_id"] for c in claims})
    random.Random(seed).shuffle(ids)
    held = set(ids[:round(len(ids) * held_share)])
    return ([c for c in claims if c["cord_id"] not in held],
            [c for c in claims if c["cord_id"] in held])


def training_pairs(claims: list[dict], corpus: dict[str, list[str]],
                   seed: int = SEED) -> tuple[list[tuple[str, str]], list[int]]:
    rng = random.Random(seed)
    abstracts = sorted(corpus)
    pairs, labels = [], []

    def add(claim: str, sentence: str, label: str) -> None:
        pairs.append((claim, sentence))
        labels.append(LABELS.index(label))

    for c in claims:
        sentences = corpus[c["cord_id"]]
        marked = sorted({e["sent_index"] for e in c["evidence_set"]
                         if e["sent_index"] < len(sentences)})
        for i in marked:
            add(c["claim"], sentences[i], LABEL_OF[c["label"]])
        others = [i for i in range(len(sentences)) if i not in marked]
        for i in rng.sample(others, min(2, len(others))):
            add(c["claim"], sentences[i], "neutral")
        other = corpus[rng.choice([a for a in abstracts if a != c["cord_id"]])]
        if other:
            add(c["claim"], rng.choice(other), "neutral")
    return pairs, labels


def batches(pairs: list[tuple[str, str]], batch: int, rng: random.Random,
            group: bool = False) -> list[list[int]]:
    """One epoch's batches of shuffled pairs; with ``group``, pairs of similar length are put
    together (within windows of 50 batches) so little of each batch is padding, and the
    batches shuffled (without it, the order of the Check-COVID-only recipe, kept so that
    recipe reproduces)."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    if not group:
        return [order[i:i + batch] for i in range(0, len(order), batch)]
    window = batch * 50
    out = []
    for i in range(0, len(order), window):
        chunk = sorted(order[i:i + window], key=lambda j: len(pairs[j][0]) + len(pairs[j][1]))
        out += [chunk[k:k + batch] for k in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


def train_cross_encoder(pairs: list[tuple[str, str]], labels: list[int], *, epochs: int = 3,
                        batch: int = 16, lr: float = 5e-5, seed: int = SEED,
                        start: Path | None = None, group: bool = False, bf16: bool = False,
                        location: str | None = None, log=print):
    import torch

    torch.manual_seed(seed)
    tokenizer, encoder, classifier = build_model(start, location)
    params = [p for p in encoder.parameters() if p.requires_grad] + list(classifier.parameters())
    optimiser = torch.optim.AdamW([{"params": params[:-2]},
                                   {"params": params[-2:], "lr": lr * 20}], lr=lr,
                                  weight_decay=0.01)
    steps = epochs * ((len(pairs) + batch - 1) // batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, 1 - s / steps))
    counts = np.bincount(labels, minlength=3)
    weight = torch.tensor(len(labels) / (3 * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    rng = random.Random(seed)
    # bfloat16 autocast where the CPU multiplies it natively (1.4x faster on 2 cores); the
    # weights and the optimiser stay float32
    fast = bf16 and bf16_is_fast()
    encoder.train()
    classifier.train()
    start_time = time.perf_counter()
    for epoch in range(epochs):
        total = 0.0
        for step, idx in enumerate(batches(pairs, batch, rng, group), start=1):
            enc = tokenizer([pairs[j][0] for j in idx], [pairs[j][1] for j in idx],
                            truncation="longest_first", max_length=MAX_TOKENS, padding=True,
                            return_tensors="pt")
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast):
                hidden = encoder(**enc).last_hidden_state
            logits = classifier(torch.nn.functional.dropout(
                mean_pool(hidden.float(), enc["attention_mask"]), 0.1, training=True))
            loss = loss_fn(logits, torch.tensor([labels[j] for j in idx]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(idx)
            if step % 50 == 0:
                log(f"  step {step}: {time.perf_counter() - start_time:.0f} s, mean loss "
                    f"{total / min(step * batch, len(pairs)):.4f}")
        log(f"epoch {epoch + 1}/{epochs}: loss {total / len(pairs):.4f} "
            f"({time.perf_counter() - start_time:.0f} s)")
    encoder.eval()
    classifier.eval()
    return encoder, classifier


def save_adapters(out: Path, encoder, classifier, meta: dict) -> None:
    write_weights(out, compress(encoder, classifier), meta)


def write_weights(out: Path, tensors: dict, meta: dict) -> None:
    from safetensors.torch import save_file

    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out), metadata={"synth": json.dumps(meta)})


def decider_examples(held: list[dict], folder: Path, scorer,
                     score_all: bool = False) -> tuple[list[dict], list[str]]:
    """Scored evidence and claim labels for fitting the claim decider, from the held claims run
    through the real pipeline (a temporary library of the whole corpus, open retrieval).

    Each SUPPORT / REFUTE claim gives two examples: open retrieval (supported / contradicted),
    and retrieval with its own abstract left out of the library (insufficient: what a claim
    the library does not address looks like). Check-COVID's own NOTENOUGHINFO claims are not
    used here: every one repeats the text of a SUPPORT or REFUTE claim and is NEI only for
    one particular sentence, so at claim level it would teach the decider noise.
    ``score_all``: score every selected sentence, not only those that may decide at the
    shipped gates (for fitting deciders at other gates)."""
    from synth.verification.verify import TOP_PAPERS, score_evidence

    scored, labels = [], []
    with temporary_library(folder / "corpus.json") as (searcher, every):
        for c in held:
            if c["label"] == "NOTENOUGHINFO":
                continue
            scored.append(score_evidence(c["claim"], searcher, scorer, score_all=score_all))
            labels.append(CLAIM_LABEL[c["label"]])
            others = [p for p in every if p != c["cord_id"]]
            scored.append(score_evidence(c["claim"], searcher, scorer, paper_ids=others,
                                         max_papers=TOP_PAPERS, score_all=score_all))
            labels.append("insufficient")
    return scored, labels


LIBRARIES = Path(__file__).resolve().parent / "libraries"


@contextmanager
def temporary_library(corpus: Path, keep: Path | None = LIBRARIES):
    """(searcher, every paper id) of a library holding ``corpus``, embedded. It is kept in
    ``keep`` (by default ``training/libraries/``, not committed), so a later fit reuses its
    embeddings; with ``keep`` None it is thrown away."""
    from synth.library.snapshot import import_snapshot
    from synth.search.embed import CachedEmbedder, load_embedder
    from synth.search.hybrid import Searcher
    from synth.store.db import open_store

    kept = None if keep is None else keep / f"{corpus.parent.name}-{corpus.stem}"
    with tempfile.TemporaryDirectory() if kept is None else nullcontext(str(kept)) as where:
        Path(where).mkdir(parents=True, exist_ok=True)
        with open_store(Path(where) / "library.db") as store:
            import_snapshot(store, corpus)
            yield Searcher(store, CachedEmbedder(store, load_embedder())), store.paper_ids()


def citation_decider_examples(nli: Path, scorer,
                              score_all: bool = False) -> tuple[list[dict], list[str]]:
    """As :func:`decider_examples`, from Citation-Integrity's dev claims (held-in: no stage
    trains on them) in a temporary library of its corpus: each SUPPORT / REFUTE claim by open
    retrieval with its label, and again with its cited abstracts left out (insufficient);
    each claim without evidence by open retrieval (insufficient)."""
    from synth.verification.evaluate import gold_label, load_claims
    from synth.verification.verify import MAX_CLAIM_CHARS, TOP_PAPERS, score_evidence
    from training.nli import tidy

    folder = nli / "citation-integrity"
    verdict = {"SUPPORT": "supported", "CONTRADICT": "contradicted", "NEI": "insufficient"}
    scored, labels = [], []
    with temporary_library(folder / "corpus.jsonl") as (searcher, every):
        for c in load_claims(folder / "claims_dev.jsonl"):
            claim, label = tidy(c["claim"]), verdict[gold_label(c)]
            if not claim or len(claim) > MAX_CLAIM_CHARS:
                continue  # a claim synth refuses to check teaches the decider nothing
            scored.append(score_evidence(claim, searcher, scorer, score_all=score_all))
            labels.append(label)
            if label != "insufficient":
                cited = {str(d) for d in c["evidence"]}
                others = [p for p in every if p not in cited]
                scored.append(score_evidence(claim, searcher, scorer, paper_ids=others,
                                             max_papers=TOP_PAPERS, score_all=score_all))
                labels.append("insufficient")
    return scored, labels


def synthetic_training_pairs(train_claims: list[dict], corpus: dict[str, list[str]],
                             abstracts: Path | None, limit: int
                             ) -> tuple[list[tuple[str, str]], list[int]]:
    """:mod:`training.augment` pairs from the training abstracts of Check-COVID and, when given,
    from an arXiv snapshot file (CC0 metadata), at most ``limit`` sentences in all."""
    from training.augment import synthetic_pairs

    own = sorted({c["cord_id"] for c in train_claims})
    texts = [" ".join(corpus[i]) for i in own]
    if abstracts is not None:
        from synth.library.snapshot import read_snapshot
        from synth.records.papers import Paper

        texts += [p.abstract for p in read_snapshot(abstracts)
                  if isinstance(p, Paper) and p.abstract]
    pairs, names = synthetic_pairs(texts, limit)
    return pairs, [LABELS.index(n) for n in names]


PUBMEDQA_LABEL = {"yes": "entailment", "no": "contradiction", "maybe": "neutral"}
PUBMEDQA_REPEAT = 3


def pubmedqa_pairs(folder: Path) -> tuple[list[tuple[str, str]], list[int]]:
    """PubMedQA-L's questions outside the stance model's held part (:func:`training.stance.held`),
    each as (its statement, its abstract's conclusion): an expert's yes -> entailment, no ->
    contradiction, maybe -> neutral; biomedical claims against the sentences that answer them,
    in the authors' own words ("... is not safe to treat patients with low infiltrative rectal
    carcinoma"). Repeated :data:`PUBMEDQA_REPEAT` times, so some 300 pairs weigh against
    7,749."""
    from synth.search.statement import statement
    from training.stance import held

    items = json.loads((folder / "pqal_dev.json").read_text())
    pairs, labels = [], []
    for pmid, item in items.items():
        if held(pmid):
            continue
        pairs.append((statement(item["QUESTION"]), " ".join(item["LONG_ANSWER"].split())))
        labels.append(LABELS.index(PUBMEDQA_LABEL[item["final_decision"]]))
    return pairs * PUBMEDQA_REPEAT, labels * PUBMEDQA_REPEAT


def train(folder: Path, out: Path, epochs: int = 3, abstracts: Path | None = None,
          synthetic: int = 0, start: Path | None = None, nli: Path | None = None,
          replay: int = 0, one_stage: bool = False, bf16: bool = False,
          pubmedqa: Path | None = None, log=print) -> dict:
    """The whole recipe of the module docstring; writes ``out`` and returns its metadata.
    With ``start`` (a :func:`general_stage` file) training continues from it; with ``nli``,
    Citation-Integrity's training pairs join Check-COVID's (the in-domain stage), and
    ``replay`` general pairs stage 1 did not see (so the stage keeps what stage 1 learned).
    With ``one_stage`` (and ``nli``), the in-domain pairs, repeated :data:`DOMAIN_REPEAT`
    times, and :data:`ONE_STAGE_MIX`'s general pairs make one stage. With ``bf16`` (implied
    by ``one_stage``), training runs in bfloat16 autocast where the CPU has it."""
    claims, corpus = load_check_covid(folder)
    train_claims, held = split_by_abstract(claims)
    pairs, labels = training_pairs(train_claims, corpus)
    domain: dict = {}
    replayed: dict = {}
    if nli is not None:
        extra, extra_labels, domain = mix(nli, {"citation-integrity": 10**9})
        pairs, labels = pairs + extra, labels + extra_labels
        if one_stage:
            pairs, labels = pairs * DOMAIN_REPEAT, labels * DOMAIN_REPEAT
            extra, extra_labels, replayed = mix(nli, ONE_STAGE_MIX)
            pairs, labels = pairs + extra, labels + extra_labels
        elif replay:
            extra, extra_labels, replayed = mix(nli, replay_mix(replay), after=GENERAL_MIX)
            pairs, labels = pairs + extra, labels + extra_labels
    if pubmedqa is not None:
        extra, extra_labels = pubmedqa_pairs(pubmedqa)
        log(f"{len(extra)} PubMedQA conclusion pairs")
        pairs, labels = pairs + extra, labels + extra_labels
    if synthetic:
        extra, extra_labels = synthetic_training_pairs(train_claims, corpus, abstracts,
                                                       synthetic)
        log(f"{len(extra)} synthetic pairs")
        pairs, labels = pairs + extra, labels + extra_labels
    log(f"{len(train_claims)} training claims -> {len(pairs)} pairs "
        f"{np.bincount(labels, minlength=3).tolist()}; {len(held)} held claims")
    encoder, classifier = train_cross_encoder(pairs, labels, epochs=epochs, start=start,
                                              group=start is not None or nli is not None,
                                              bf16=bf16 or one_stage, log=log)
    first = read_adapters(start)[1] if start is not None else None
    meta = {"trained_on": "Check-COVID train (MIT), composed+extracted" + (
                f"; Citation-Integrity train (MIT): {domain}" if domain else "") + (
                f"; general pairs {'(one stage)' if one_stage else 'replayed'}: {replayed}"
                if replayed else "") + (
                f"; in-domain pairs repeated {DOMAIN_REPEAT} times" if one_stage else "") + (
                f"; PubMedQA-L (MIT) conclusions of the questions outside the stance model's "
                f"held part, {PUBMEDQA_REPEAT} times" if pubmedqa else ""),
            "general_stage": first,
            "command": "python -m training.verifier ../shared/data/check-covid" + (
                f" --abstracts {abstracts} --synthetic {synthetic}" if synthetic else "") + (
                f" --start {start}" if start else "") + (f" --nli {nli}" if nli else "") + (
                f" --replay {replay}" if replay else "") + (
                f" --pubmedqa {pubmedqa}" if pubmedqa else "") + (
                " --one-stage" if one_stage else " --bf16" if bf16 else "") +
                f" --epochs {epochs}",
            "date": date.today().isoformat(), "epochs": epochs, "delta_rank": DELTA_RANK,
            "pairs": len(pairs), "train_claims": len(train_claims),
            "held_claims": len(held), "synthetic_sentences": synthetic,
            "synthetic_from": abstracts.name if abstracts else None}
    return fit_decider(folder, out, compress(encoder, classifier), meta, held, nli)


GENERAL_MIX = {"vitaminc-real": 12000, "vitaminc-synthetic": 4000, "fever": 4000, "snli": 4000}
# the one-stage recipe: every VitaminC real training pair (the contrastive ones, for numbers
# and directions) and a sample of the others, with the in-domain pairs twice over
ONE_STAGE_MIX = {"vitaminc-real": 10**9, "vitaminc-synthetic": 8000, "fever": 8000,
                 "snli": 10000}
DOMAIN_REPEAT = 2


def replay_mix(n: int) -> dict[str, int]:
    """``n`` general pairs in :data:`GENERAL_MIX`'s proportions, for the in-domain stage."""
    total = sum(GENERAL_MIX.values())
    return {name: round(n * size / total) for name, size in GENERAL_MIX.items()}


def mix(nli: Path, sizes: dict[str, int], after: dict[str, int] | None = None
        ) -> tuple[list[tuple[str, str]], list[int], dict]:
    """Pairs drawn from the training parts of :mod:`training.nli`'s sets (``sizes`` per set);
    with ``after``, none of the pairs that ``mix(nli, after)`` draws (fresh pairs)."""
    from training import nli as nli_sets

    pairs, labels, used = [], [], {}
    for name, n in sizes.items():
        train = nli_sets.load(nli, name)[0]
        if after and name in after:
            seen = set(nli_sets.sample(train, after[name]))
            train = [p for p in train if p not in seen]
        chosen = nli_sets.sample(train, n)
        pairs += [(c, e) for c, e, _ in chosen]
        labels += [y for *_, y in chosen]
        used[name] = len(chosen)
    return pairs, labels, used


def general_stage(nli: Path, out: Path, epochs: int = 1, sizes: dict[str, int] = GENERAL_MIX,
                  log=print) -> dict:
    """Stage 1 of the two-stage recipe: MiniLM fine-tuned on a mix of the general NLI sets,
    written to ``out`` in the adapter format (the start of :func:`train` with ``start``)."""
    pairs, labels, used = mix(nli, sizes)
    log(f"general stage: {len(pairs)} pairs {np.bincount(labels, minlength=3).tolist()} {used}")
    encoder, classifier = train_cross_encoder(pairs, labels, epochs=epochs, group=True, log=log)
    meta = {"stage": "general", "trained_on": used,
            "licences": "VitaminC, FEVER: CC BY-SA 3.0; SNLI: CC BY-SA 4.0",
            "command": f"python -m training.verifier --general-stage {out} --nli {nli}",
            "date": date.today().isoformat(), "epochs": epochs, "pairs": len(pairs),
            "delta_rank": DELTA_RANK}
    partial = out.with_name(out.name + ".partial")
    write_weights(partial, compress(encoder, classifier), meta)
    partial.replace(out)
    return meta


def fit_decider(folder: Path, out: Path, tensors: dict, meta: dict, held: list[dict],
                nli: Path | None = None) -> dict:
    """Fit the claim decider on the held claims scored with ``tensors`` (and, with ``nli``,
    Citation-Integrity's dev claims), and write both to ``out`` (replaced only at the end,
    so a killed run leaves it as it was)."""
    from synth.verification.xenc import XencScorer
    from training.fitting import fit_claim_decider

    partial = out.with_name(out.name + ".partial")
    write_weights(partial, tensors, meta)
    scorer = XencScorer(partial)
    scored, labels = decider_examples(held, folder, scorer)
    if nli is not None:
        more, more_labels = citation_decider_examples(nli, scorer)
        scored, labels = scored + more, labels + more_labels
        meta = {**meta, "decider_on": "Check-COVID held claims and Citation-Integrity dev"}
    decider, report = fit_claim_decider(scored, labels)
    meta = {**meta, "decider": decider, "held_report": report}
    write_weights(partial, tensors, meta)
    partial.replace(out)
    return meta


def refit_decider(folder: Path, out: Path, nli: Path | None = None) -> dict:
    """Refit only the decider of the adapter file ``out``, its weights unchanged: what a full
    run fits on the same weights, in minutes (after a change to how evidence is decided)."""
    from synth.verification.xenc import read_adapters

    tensors, meta = read_adapters(out)
    # the recorded accuracy belongs to the old decider: measure again (training/evaluation.py)
    meta = {k: v for k, v in meta.items() if k not in ("decider", "held_report", "evaluation")}
    claims, _ = load_check_covid(folder)
    _, held = split_by_abstract(claims)
    meta["decider_refitted"] = date.today().isoformat()
    return fit_decider(folder, out, tensors, meta, held, nli)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check_covid", type=Path, nargs="?", help="the Check-COVID folder")
    parser.add_argument("--general-stage", type=Path, metavar="OUT",
                        help="only train stage 1 (general NLI mix of --nli) into OUT")
    parser.add_argument("--start", type=Path, help="continue from a stage-1 file")
    parser.add_argument("--nli", type=Path, help="the nli/ data folder (its sets join "
                        "training: the general mix with --general-stage, else Citation-Integrity)")
    parser.add_argument("--out", type=Path, default=XENC_PATH)
    parser.add_argument("--epochs", type=int, help="default 1 for --general-stage, else 3")
    parser.add_argument("--abstracts", type=Path,
                        help="an arXiv snapshot file (CC0 abstracts) for synthetic pairs")
    parser.add_argument("--synthetic", type=int, default=0,
                        help="sentences to make synthetic pairs from (3 pairs each)")
    parser.add_argument("--replay", type=int, default=0, metavar="N",
                        help="with --start and --nli: N general pairs stage 1 did not see "
                        "join the in-domain stage")
    parser.add_argument("--one-stage", action="store_true",
                        help="with --nli: the general sets and the in-domain pairs (twice) "
                        "in one stage, from the base model (about 75,000 pairs)")
    parser.add_argument("--bf16", action="store_true",
                        help="train in bfloat16 autocast where the CPU has it (implied by "
                        "--one-stage; the other recipes were trained in float32)")
    parser.add_argument("--pubmedqa", type=Path, metavar="FOLDER",
                        help="the pubmedqa/ data folder: its conclusions (outside the stance "
                        "model's held part) join the in-domain pairs")
    parser.add_argument("--decider-only", action="store_true",
                        help="keep the weights in --out and refit only the claim decider")
    args = parser.parse_args()
    if args.general_stage:
        if args.nli is None:
            parser.error("--general-stage needs --nli FOLDER")
        meta = general_stage(args.nli, args.general_stage, epochs=args.epochs or 1)
    elif args.check_covid is None:
        parser.error("give the Check-COVID folder")
    elif args.one_stage and (args.nli is None or args.start or args.replay):
        parser.error("--one-stage needs --nli FOLDER, and starts from the base model "
                     "(no --start, no --replay)")
    elif args.decider_only:
        meta = refit_decider(args.check_covid, args.out, args.nli)
    else:
        meta = train(args.check_covid, args.out, args.epochs or 3, args.abstracts,
                     args.synthetic, start=args.start, nli=args.nli, replay=args.replay,
                     one_stage=args.one_stage, bf16=args.bf16, pubmedqa=args.pubmedqa)
    print(json.dumps({k: v for k, v in meta.items() if k != "decider"}, indent=2))


if __name__ == "__main__":
    main()
