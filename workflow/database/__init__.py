"""Shared database helpers of every capability: raw SQL on both dialects (``sql``) and
the unit of work that publishes a transaction's events on commit (``unit_of_work``)."""
