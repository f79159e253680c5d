"""PortTrust credit service."""
