"""The engine: the pure rules (``workflow.core``) and the capabilities built on them.

Each business action is one function running in one unit of work
(``workflow.database.unit_of_work``); every report step goes through one writer
(``workflow.reports.steps``). See ``workflow/README.md``.
"""
