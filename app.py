"""Streamlit entry point: ``streamlit run app.py`` (see README). All logic lives in ``studio``.

This one file plays two parts. ``streamlit run app.py`` imports it as a module and finds ``app``,
an ``st.App`` that adds the session-cookie route (:mod:`studio.ui.session_cookie`) to Streamlit's
server; that server then runs this same file as ``__main__`` for every page view (as AppTest
does), which draws the app.
"""

import streamlit as st

if __name__ == "__main__":
    from studio.ui.shell import main

    main()
else:
    from studio.ui.session_cookie import routes

    app = st.App(__file__, routes=routes())
