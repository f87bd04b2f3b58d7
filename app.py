"""Streamlit entry point: ``streamlit run app.py`` (see README). All logic lives in ``studio``."""

from studio.ui.shell import main

main()
