# Jasmin MO interceptor: every reply goes to PortTrust's /v1/mo-messages (see ../README.md).
# Jasmin runs this flat with eval and keeps a copy of it: the logic is in porttrust_jasmin.
from porttrust_jasmin.interceptors import mo

smpp_status, http_status = mo(routable)  # noqa: F821 (Jasmin provides routable)
