"""Generating a period's reports from the usage, set-based (``generate``, ``sql``)."""
