"""Request and response shapes, one module per domain thing (see the service README)."""
