"""Queries, one module per family of tables; keyword-only functions.

Library modules call these instead of building queries of their own, so that what the app and
the CLI read and write goes through one place.
"""
