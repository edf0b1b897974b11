"""How fast the default verifier checks claims, and what each way of making it faster costs.

    python bench/verifier_speed.py [--claims 300] [--path WORDS ...]

On the first ``--claims`` SciFact train claims, open retrieval over its 5,183 abstracts (the
library of ``bench/out/scifact-home``: what ingest stores, passages and their embeddings,
nothing else cached), models loaded, end to end (retrieval, sentence selection, scoring,
deciding), for each variant of the scoring path:

* torch bfloat16 (the shipped path where the CPU multiplies bfloat16 natively), float32, and
  float32 with dynamic int8 quantisation of the linear layers (``torch.ao``);
* ONNX Runtime float32 and dynamic int8 (``onnxruntime.quantization``), when the ``onnx``
  package is installed to export the model (it is not a synth dependency);
* shorter inputs (128 tokens instead of 192) and fewer sentences per paper (4 instead of 6),
  each on the shipped path;
* every selected sentence scored, as synth did before it scored only the sentences that may
  decide (:func:`synth.verification.verify.worth_scoring`), on the shipped path.

``--path WORDS`` runs only the paths whose name holds those words (``--path shipped`` the three
on the shipped path; the shipped path itself always runs, as the labels' reference). Each
line: claims/s, the seconds split into retrieval and scoring, claim-level macro-F1 on
those claims, and the share of claims whose label matches the shipped path's.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
from _common import DATA, OUT

from synth.library.snapshot import import_snapshot
from synth.search.embed import CachedEmbedder, load_embedder
from synth.search.hybrid import Searcher
from synth.store.db import open_store
from synth.verification import verify, xenc
from synth.verification.evaluate import load_claims, report
from synth.verification.verify import Timings, verify_claim
from synth.verification.xenc import XENC_PATH, XencScorer, mean_pool

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def pooled(scorer: XencScorer):
    """The encoder (in float32), mean pooling and the head as one module (what ONNX exports)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.classifier = scorer.encoder.float(), scorer.classifier

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            return self.classifier(mean_pool(hidden, attention_mask))

    return Pooled().eval()


class OnnxScorer(XencScorer):
    """The shipped weights exported to ONNX and run by ONNX Runtime (``int8``: dynamic
    quantisation of the exported graph)."""

    def __init__(self, folder: Path, int8: bool, path: Path = XENC_PATH) -> None:
        import onnxruntime as ort
        import torch

        super().__init__(path)
        model = pooled(self)
        sample = self.tokenizer(["a claim"], ["a sentence"], return_tensors="pt")
        fp32 = folder / "xenc.onnx"
        if not fp32.exists():
            torch.onnx.export(model, tuple(sample[k] for k in INPUTS), str(fp32), dynamo=False,
                              input_names=list(INPUTS), output_names=["logits"],
                              dynamic_axes={k: {0: "batch", 1: "tokens"} for k in INPUTS},
                              opset_version=17)
        chosen = fp32
        if int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            chosen = folder / "xenc-int8.onnx"
            if not chosen.exists():
                quantize_dynamic(str(fp32), str(chosen), weight_type=QuantType.QInt8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(chosen), options,
                                            providers=["CPUExecutionProvider"])

    def batch_logits(self, batch: list[tuple[str, str]]) -> np.ndarray:
        enc = self.tokenizer([c for c, _ in batch], [e for _, e in batch],
                             truncation="longest_first", max_length=xenc.MAX_TOKENS,
                             padding=True, return_tensors="np")
        return self.session.run(None, {k: enc[k].astype(np.int64) for k in INPUTS})[0]


def torch_scorer(dtype: str) -> XencScorer:
    import torch

    scorer = XencScorer()
    if dtype == "float32":
        scorer.encoder.float()
    elif dtype == "int8":
        scorer.encoder = torch.ao.quantization.quantize_dynamic(
            scorer.encoder.float(), {torch.nn.Linear}, dtype=torch.qint8)
    return scorer


@contextmanager
def setting(module: object, name: str, value: object) -> Iterator[None]:
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def variants(folder: Path) -> list[tuple[str, Callable[[], XencScorer], tuple]]:
    """(name, scorer factory, (module, setting, value) or ())."""
    shipped = "torch " + ("bfloat16" if xenc.bf16_is_fast() else "float32") + " (shipped)"
    rows = [(shipped, XencScorer, ()),
            ("torch float32", lambda: torch_scorer("float32"), ()),
            ("torch int8 dynamic", lambda: torch_scorer("int8"), ())]
    if importlib.util.find_spec("onnx") is not None:
        rows += [("onnxruntime float32", lambda: OnnxScorer(folder, False), ()),
                 ("onnxruntime int8 dynamic", lambda: OnnxScorer(folder, True), ())]
    rows += [("shipped path, 128 tokens", XencScorer, (xenc, "MAX_TOKENS", 128)),
             ("shipped path, 4 sentences per paper", XencScorer,
              (verify, "SENTENCES_PER_PAPER", 4)),
             ("shipped path, every sentence scored", XencScorer,
              (verify, "worth_scoring", lambda candidates: candidates))]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=300)
    parser.add_argument("--path", action="append", default=[],
                        help="only the scoring paths whose name holds these words")
    args = parser.parse_args()
    store = open_store(OUT / "scifact-home" / "library.db")
    import_snapshot(store, DATA / "scifact" / "corpus.jsonl")
    searcher = Searcher(store, CachedEmbedder(store, load_embedder()))
    claims = load_claims(DATA / "scifact" / "claims_train.jsonl", args.claims)
    if importlib.util.find_spec("onnx") is None:
        print("(no ONNX rows: pip install onnx to export the model for them)")
    print("| scoring path | claims/s | retrieval s | scoring s | macro-F1 | same label as "
          "shipped |\n|---|---|---|---|---|---|")
    first: list[str] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, make, change) in enumerate(variants(Path(tmp))):
            if i and args.path and not any(words in name for words in args.path):
                continue
            scorer = make()
            with setting(*change) if change else nullcontext():
                timings = Timings()
                start = time.perf_counter()
                verdicts = [verify_claim(c["claim"], searcher, scorer, timings=timings)
                            for c in claims]
                seconds = time.perf_counter() - start
            labels = [v.label for v in verdicts]
            first = first or labels
            r = report(claims, verdicts, scorer.name, seconds, timings)
            same = sum(a == b for a, b in zip(labels, first)) / len(labels)
            print(f"| {name} | {r.claims_per_second:.1f} | {timings.retrieval:.1f} | "
                  f"{timings.scoring:.1f} | {r.macro_f1:.3f} | {same:.1%} |", flush=True)
    store.close()


if __name__ == "__main__":
    main()
