"""identity's state beyond the shared one, the dependencies that hand it out, and who may
do what."""

from typing import Annotated

from fastapi import Depends

from identity.service.throttle import SignInGuard
from identity.settings import Settings
from porttrust_shared.deps import require_roles
from porttrust_shared.state import ServiceState, state_dep
from porttrust_shared.tokens import Principal


class IdentityState(ServiceState):
    settings: Settings
    throttle: SignInGuard  # the sign-in brakes of this process


SettingsDep = Annotated[Settings, Depends(state_dep(IdentityState, lambda s: s.settings))]
ThrottleDep = Annotated[SignInGuard, Depends(state_dep(IdentityState, lambda s: s.throttle))]
HqAdmin = Annotated[Principal, Depends(require_roles("hq_admin"))]
