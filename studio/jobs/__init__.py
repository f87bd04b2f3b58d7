"""Durable jobs, workers and the executors that run their items (local or on Ray)."""
