from typing import Annotated

from fastapi import Depends, Request

from identity.settings import Settings
from identity.throttle import SignInGuard


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _throttle(request: Request) -> SignInGuard:
    throttle: SignInGuard = request.app.state.throttle
    return throttle


SettingsDep = Annotated[Settings, Depends(_settings)]
ThrottleDep = Annotated[SignInGuard, Depends(_throttle)]
