"""A purpose-built execution of report queries: the report screen without a resolver per field.

A front end's report screen asks for one report with its period, partner, totals and a
page of lines: ~1,000 fields for 50 lines. Through graphql-core each field is a resolver
call, a completion and a Strawberry wrapper, ~5 ms of CPU per request where the data
itself takes well under one (bench/README.md). Here such a query is compiled once per
document text into a plan (``plan.compile_operation``) and then answered by building the
JSON straight from the same read views the resolvers use (``answer.ReportQueryPath``).

The path is an optimisation, never a second API. A document is compiled only if it is a
single query that passes the schema's own validation with the same limits, selects
``report`` and only fields of the table in ``fields.py``, and carries no directives;
anything else, and any request whose arguments are not plainly valid (a bad variable, a
page size out of range, a malformed cursor, a line filter, a token without
``reports:read``), goes through Strawberry as before, which gives the usual answer or
error. ``tests/api/test_report_query_path.py`` holds both paths to the same bytes.
"""

from resolvers.report_query.answer import ReportQueryPath

__all__ = ["ReportQueryPath"]
