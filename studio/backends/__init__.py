"""Swappable generators behind small contracts, one backend per file.

Copy writers (:mod:`studio.backends.llm`): ``offline`` (default, no keys or weights),
``openai`` (any OpenAI-compatible server) and ``transformers`` (a local model), chosen with
``STUDIO_LLM_BACKEND`` and built by :func:`studio.backends.llm.make_copy_writer`. Heavy
libraries are imported only when a backend that needs them is built.
"""
