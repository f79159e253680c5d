"""PortTrust identity service."""
