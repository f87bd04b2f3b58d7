"""Brand guidelines and segment personas: the files in ``brand_guidelines/``, their schema,
loading, validation and the versioned store behind the Brand page; the forms that edit them
(``forms``), the impact of a change (``impact``), the live preview (``preview``), personas
(``personas``) and the new-brand wizard (``new_brand``)."""
