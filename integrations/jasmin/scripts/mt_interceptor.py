# Jasmin MT interceptor: PortTrust's send check for every submit_sm (see ../README.md).
# Jasmin runs this flat with eval and keeps a copy of it: the logic is in porttrust_jasmin.
from porttrust_jasmin.interceptors import mt

smpp_status, http_status = mt(routable)  # noqa: F821 (Jasmin provides routable)
