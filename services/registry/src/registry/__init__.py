"""PortTrust registry service."""

import os

if os.environ.get("PORTTRUST_INTERPRETED") == "1":  # the compiled modules left unused
    from registry.compiled import interpreted

    interpreted()
