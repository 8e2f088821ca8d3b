"""Webhooks (docs/contract.md §13): endpoints, secrets, the delivery reads and the dispatcher."""
