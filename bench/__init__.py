"""Benchmarks: each case is measured against a baseline taken in the same run, and judged by
the ratio against its budget, never by absolute times (machines differ; ratios travel)."""
