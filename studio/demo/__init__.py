"""The scripted demo journey behind ``studio demo``: every domain, end to end, on demo data."""
