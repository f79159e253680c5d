"""PortTrust common library. Never imports a service, holds no domain models."""
