"""Durable jobs: work that outlives the browser tab, run by ``studio worker``."""
