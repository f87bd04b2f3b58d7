"""Brand guidelines and segment personas: the files in ``brand_guidelines/``, their schema,
loading, validation and the versioned store behind the Brand page."""
