"""Ad copy: the channel limits table, prompts, compliance checks, the generation flow and
the variant queries."""
