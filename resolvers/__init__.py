"""Thin GraphQL resolvers: read the input, call one workflow service, map the result (docs/contract.md §8)."""
