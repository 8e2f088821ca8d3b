"""The engine: the pure core (``workflow.core``) and the transactional services around it.

Each business action is one service function running in one transaction: load and lock
the report, check the client's version, trigger the machine, apply adjustments, bump the
version, write the history entry. See ``workflow/README.md``.
"""
