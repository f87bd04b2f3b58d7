"""Images and videos for ad variants: sizes, compositor, brand QC, provenance, rendering.

* :mod:`~studio.imaging.formats`: the sizes each channel needs and their safe zones.
* :mod:`~studio.imaging.compositor`: background -> finished ad (logo, headline, button).
* :mod:`~studio.imaging.qc`: brand checks on the finished pixels and encoded videos.
* :mod:`~studio.imaging.provenance`: metadata in every file, content-hash names.
* :mod:`~studio.imaging.render`: a variant -> its assets, recorded in the database.
"""
