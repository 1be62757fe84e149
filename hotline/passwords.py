"""Password and PIN hashes: argon2, checked off the event loop.

One check costs about 0.1 s of CPU on purpose; on the event loop it would
stall every page and every call for as long.  The web's sign-in and the
phone's voicemail PINs both use these, so they live in the kernel.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# argon2 runs here, off the event loop.  Its own two threads, not the
# default executor: a flood of logins then queues for these two (bounding
# the CPU and the 64 MiB per hash it can take) instead of filling the
# executor other work uses.  argon2-cffi releases the GIL while it hashes.
_ARGON2_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def new_password_hash(password: str) -> str:
    """``hash_password`` in a worker thread, for request handlers."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_ARGON2_THREADS, hash_password, password)


async def password_matches(password_hash: str, password: str) -> bool:
    """``verify_password`` in a worker thread, for request handlers."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_ARGON2_THREADS, verify_password, password_hash, password)
