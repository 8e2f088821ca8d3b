"""Strawberry types, inputs, enums, error types and permissions of the GraphQL API (SPEC §8)."""
