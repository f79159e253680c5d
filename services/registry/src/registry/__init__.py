"""PortTrust registry service."""
