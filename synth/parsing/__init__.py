"""Parsing: PDF bytes to passages, each with its page, section and exact character span.

:mod:`~synth.parsing.pdf` (pymupdf: text, page furniture removed, scanned or garbled pages
reported as parse problems) and :mod:`~synth.parsing.chunk` (paragraph blocks, sentence
spans, passages that keep ``fulltext[start:end] == text``); :mod:`~synth.parsing.numbers`
(numbers and their units in text).

May import: synth.errors, synth.records.
"""
