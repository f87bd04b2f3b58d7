"""Swappable generators behind small contracts, one backend per file.

Every backend imports only :mod:`studio.backends.contracts` (its request and result types),
the standard library, numpy, PIL and its own heavy libraries (imported only when it runs),
never a studio domain. Each is registered through an entry-point group in ``pyproject.toml``,
exactly as a third-party package would register one (see :mod:`studio.core.plugins`):

* copy writers (``studio.copy_writers``, ``STUDIO_LLM_BACKEND``): ``openai`` (any
  OpenAI-compatible server), ``transformers`` (a local model); the default ``offline`` writer
  assembles copy from the brand's own assets and so lives in :mod:`studio.copy.offline_writer`;
* image backends (``studio.image_backends``, ``STUDIO_IMAGE_BACKEND``): ``offline``, ``diffusers``;
* video backends (``studio.video_backends``, ``STUDIO_VIDEO_BACKEND``): background animators,
  ``diffusers`` (image-to-video); the video ad itself is composed in :mod:`studio.imaging.video`.
"""
