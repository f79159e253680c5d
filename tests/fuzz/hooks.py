"""Schemathesis hooks for the fuzz step (loaded through SCHEMATHESIS_HOOKS).

registry's import takes NDJSON as well as CSV: its body is sent as the bytes generated for it.
"""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")
