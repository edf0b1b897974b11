"""The licence-clean labelled pairs of ``../shared/data/nli``, read in place, as (claim,
evidence) pairs with labels in :data:`synth.verification.scorers.LABELS` order.

Each set is split by a stable hash of its claim into a training part and a held-back slice
(:data:`HELD_SHARE`), so the same claim never sits on both sides and the slice measures
pair-level accuracy on pairs the scorer never saw (``python -m training.nli OUT_DIR`` writes
each slice as JSON Lines for ``synth eval pairs``):

* ``vitaminc-real`` (34,481) and ``vitaminc-synthetic`` (20,716): contrastive pairs, the same
  claim against evidence that flips its label; SUPPORTS / REFUTES / NOT ENOUGH INFO.
* ``fever`` (13,332): FEVER dev claims with their gold evidence; entailment or
  not_entailment, which in this release is FEVER's REFUTES, so read as contradiction.
* ``snli`` (19,666): SNLI dev and test captions (hypothesis as the claim).
* ``citation-integrity`` (train claims only; its dev claims fit the decider and its test
  split is never read): each claim against its rationale sentences (SUPPORT -> entailment,
  REFUTE -> contradiction), against one other sentence of its cited abstract (neutral) and, for
  a claim with no evidence, against the cited abstract's first sentences (neutral). Citation
  markers (``[<|multi_cit|>]``, ``(<|other_cit|>)``, a bare ``<|cit|>``) are removed.

Licences: VitaminC, FEVER CC BY-SA 3.0; SNLI CC BY-SA 4.0; Citation-Integrity MIT (see
NOTICE at the repository root for the attribution a shipped model carries).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from synth.verification.scorers import LABELS

HELD_SHARE = 0.05
SEED = 13
# Citation markers: "[<|multi_cit|>]", "[<|multi_cit|>,18]", "(<|other_cit|>)", or bare "<|cit|>"
_CITATION = re.compile(r"\s*(\[[^\]]*<\|\w+\|>[^\]]*\]|\((\s*<\|\w+\|>[\s,;]*)+\)|<\|\w+\|>)")
_VITAMINC = {"SUPPORTS": "entailment", "REFUTES": "contradiction", "NOT ENOUGH INFO": "neutral"}
_FEVER = {"entailment": "entailment", "not_entailment": "contradiction"}
_CITINT = {"SUPPORT": "entailment", "REFUTE": "contradiction", "CONTRADICT": "contradiction"}
Pair = tuple[str, str, int]  # claim, evidence, label index


def tidy(text: str) -> str:
    """One line, citation markers removed ("as shown [<|cit|>]." -> "as shown.")."""
    return " ".join(_CITATION.sub("", text).split())


def held(claim: str, share: float = HELD_SHARE) -> bool:
    """Whether ``claim`` belongs to the held-back slice (a stable hash, not a random draw)."""
    digest = hashlib.sha256(claim.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") < share * 2**32


def _pair(claim: str, evidence: str, label: str) -> Pair:
    return tidy(claim), tidy(evidence), LABELS.index(label)


def vitaminc(folder: Path, name: str) -> Iterator[Pair]:
    for line in (folder / "vitaminc" / f"{name}.jsonl").read_text().splitlines():
        row = json.loads(line)
        yield _pair(row["claim"], row["evidence"], _VITAMINC[row["label"]])


def fever(folder: Path) -> Iterator[Pair]:
    base = folder / "fever-dev"
    evidence = (base / "dev.raw.input0").read_text().splitlines()
    claims = (base / "dev.raw.input1").read_text().splitlines()
    labels = (base / "dev.label").read_text().splitlines()
    for e, c, label in zip(evidence, claims, labels):
        yield _pair(c, e, _FEVER[label.strip()])


def snli(folder: Path) -> Iterator[Pair]:
    for split in ("dev", "test"):
        base = folder / "snli"
        premises = (base / f"s1.{split}").read_text().splitlines()
        hypotheses = (base / f"s2.{split}").read_text().splitlines()
        labels = (base / f"labels.{split}").read_text().splitlines()
        for p, h, label in zip(premises, hypotheses, labels):
            yield _pair(h, p, label.strip())


def citation_integrity(folder: Path, split: str = "train", seed: int = SEED) -> Iterator[Pair]:
    base = folder / "citation-integrity"
    corpus = {str(d["doc_id"]): d["abstract"] for d in map(
        json.loads, (base / "corpus.jsonl").read_text().splitlines())}
    rng = random.Random(seed)
    for line in (base / f"claims_{split}.jsonl").read_text().splitlines():
        claim = json.loads(line)
        if claim["evidence"]:
            for doc, sets in claim["evidence"].items():
                sentences = corpus.get(str(doc), [])
                marked = sorted({i for s in sets for i in s["sentences"] if i < len(sentences)})
                for i in marked:
                    yield _pair(claim["claim"], sentences[i], _CITINT[sets[0]["label"]])
                others = [i for i in range(len(sentences)) if i not in marked]
                if others:
                    yield _pair(claim["claim"], sentences[rng.choice(others)], "neutral")
        else:
            for doc in claim.get("cited_doc_ids", [])[:1]:
                for sentence in corpus.get(str(doc), [])[:2]:
                    yield _pair(claim["claim"], sentence, "neutral")


SETS = {
    "vitaminc-real": lambda f: vitaminc(f, "real"),
    "vitaminc-synthetic": lambda f: vitaminc(f, "synthetic"),
    "fever": fever,
    "snli": snli,
    "citation-integrity": citation_integrity,
}


def load(folder: Path, name: str) -> tuple[list[Pair], list[Pair]]:
    """(training pairs, held-back pairs) of one set."""
    train, back = [], []
    for pair in SETS[name](folder):
        if pair[0] and pair[1]:
            (back if held(pair[0]) else train).append(pair)
    return train, back


def sample(pairs: list[Pair], n: int, seed: int = SEED) -> list[Pair]:
    """``n`` of ``pairs`` (all when there are fewer), the same ones every time."""
    if n >= len(pairs):
        return list(pairs)
    return random.Random(seed).sample(pairs, n)


def write_slices(folder: Path, out: Path, limit: int) -> dict[str, int]:
    """Each set's held-back slice (at most ``limit`` pairs) as ``out/NAME.jsonl`` of
    {claim, evidence, label}; returns how many pairs each holds."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in SETS:
        pairs = sample(load(folder, name)[1], limit)
        (out / f"{name}.jsonl").write_text("".join(
            json.dumps({"claim": c, "evidence": e, "label": LABELS[y]}) + "\n"
            for c, e, y in pairs))
        counts[name] = len(pairs)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the held-back slice of each NLI set.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/nli"))
    parser.add_argument("--limit", type=int, default=1000, help="pairs per slice at most")
    args = parser.parse_args()
    print(json.dumps(write_slices(args.data, args.out, args.limit), indent=2))


if __name__ == "__main__":
    main()
