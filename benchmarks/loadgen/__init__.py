"""The load generator: scenarios that drive an IRC server over loopback.

Each scenario (`fanout`, `idle`, `churn`) runs in this process, separate from
the server it measures, is bounded in time and count, and returns one flat
dict of results that `benchmarks/run.py` prints as a JSON line.
"""
