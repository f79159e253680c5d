"""argon2 hashes of client secrets and user passwords."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

hasher = PasswordHasher()
# Verifying against this when the name is unknown keeps timing the same for both failures.
DUMMY_HASH = hasher.hash("not-a-real-password")


def verify_now(stored: str, presented: str) -> bool:
    try:
        return hasher.verify(stored, presented)
    except (VerificationError, InvalidHashError):
        return False


def hash_now(secret: str) -> str:
    return hasher.hash(secret)


# argon2 is slow on purpose (tens of ms); in a thread it does not stall the event loop.
# (Sign-ins hash through SignInGuard.hash_call instead: bounded, at low priority.)
async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(hash_now, secret)
