"""One module per page; each exposes ``render()`` and is registered in ``studio.ui.shell.PAGES``."""
