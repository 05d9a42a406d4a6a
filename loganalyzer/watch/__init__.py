"""``loganalyzer watch``: follow nova-compute logs and report migrations as they end.

follow.py (files: offsets, rotation, state), journal.py (journalctl -f), hold.py
(migrations in flight, analysed when they end), hostfind.py (findings from start-up
dumps), metrics.py (Prometheus), service.py (the loop).
"""
