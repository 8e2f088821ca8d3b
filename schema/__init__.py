"""Strawberry types, inputs, enums, error types and permissions of the GraphQL API (docs/contract.md §8)."""
