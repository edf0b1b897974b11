"""LLM: the one seam to a language model, and the prompt templates.

:mod:`~synth.llm.client` (:class:`~synth.llm.client.LLM`: structured answers from any
OpenAI-compatible server through ``instructor``, every call logged to the store and cached by
request hash), :mod:`~synth.llm.prompts` (the Jinja templates shipped in ``synth/templates``,
their hashes, and the data blocks that keep paper text from acting as instructions) and
:mod:`~synth.llm.prices` (cost estimates).

May import: synth.errors, synth.config, synth.records, synth.store.
"""
