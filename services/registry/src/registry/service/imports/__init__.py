"""Bulk sub-port import (CSV or NDJSON) and CSV export: parsing, per-row checks, chunked
writes with one blacklist call per chunk, and jobs with progress for large files."""
