"""Daily usage coming in: ``recordUsage`` records (``record``) and CSV files (``csv_format``,
``importer``), checked by the same rules (``workflow.core.usage_rules``)."""
