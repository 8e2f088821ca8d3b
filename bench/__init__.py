"""Benchmarks: each figure printed beside its baseline measured in the same run (bench/README.md, Targets).

Not part of the installed package nor of the pytest suite; see bench/README.md.
"""
