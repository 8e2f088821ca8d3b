"""Reading what a principal may see: reports and periods (``reports``), lines, totals
and history (``contents``), and CSV exports (``exports``)."""
