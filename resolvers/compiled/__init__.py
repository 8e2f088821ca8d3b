"""Every query, compiled: one execution path for ``Query`` without a resolver call per field.

In the manner of graphql-jit (docs/architecture.md, "The compiled query path"): a
validated document is compiled once into a plan (``plan``), whose fields take their
values from the table ``fields`` — the schema says each field's type, arguments and
serializer; the table only where its value is. A request then reads level by level, one
read per field of the document for all its sources (``execute.fetch``: a constant number
of SQL statements, on the request's one pooled connection), and a generated builder per
object (``build``) writes the answer without graphql-core. Errors are GraphQL's, as
graphql-core records them (``execute.careful``).

Strawberry stays the schema, the validator, the executor of mutations and subscriptions,
and answers what has no plan (introspection), counted in ``answer.FALLBACKS``.
"""

from resolvers.compiled.answer import FALLBACKS, CompiledQueries

__all__ = ["FALLBACKS", "CompiledQueries"]
