"""Benchmarks: each figure printed beside its baseline measured in the same run (ENGINEERING §5).

Not part of the installed package nor of the pytest suite; see bench/README.md.
"""
