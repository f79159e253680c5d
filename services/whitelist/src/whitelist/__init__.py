"""PortTrust whitelist service."""
