"""Benchmarks, run by ``make bench``; the suite runs the quick run once for its lines
(``tests/integration/test_bench.py``), never for its figures."""
