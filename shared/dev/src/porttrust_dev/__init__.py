"""PortTrust development tools, never installed in the image: `stack` starts the four
services as processes (`make run`, end-to-end tests), `testing` is the pytest plugin."""
