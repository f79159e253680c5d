"""identity's state beyond the shared one, and the dependencies that hand it out."""

from typing import Annotated

from fastapi import Depends

from identity.settings import Settings
from identity.throttle import SignInGuard
from porttrust_shared.state import ServiceState, state_dep


class IdentityState(ServiceState):
    settings: Settings
    throttle: SignInGuard  # the sign-in brakes of this process


SettingsDep = Annotated[Settings, Depends(state_dep(IdentityState, lambda s: s.settings))]
ThrottleDep = Annotated[SignInGuard, Depends(state_dep(IdentityState, lambda s: s.throttle))]
