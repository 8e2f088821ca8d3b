"""The workflow's pure core: statuses, the machine, roles, adjustment and aggregation rules.

Nothing in here touches a database or a web framework, so all of it is tested in
microseconds (``tests/unit``). The transactional services in ``workflow/*.py``
load rows, call into this core, and write the outcome.
"""
