"""studio: generative creative production and testing.

The package is the product; ``app.py`` (Streamlit) and ``studio`` (the CLI) are thin shells
over it. See README.md for the architecture.
"""

__version__ = "0.1.0"
