"""The Streamlit app: the only package that imports streamlit. One module per page."""
