"""Passwords: argon2id hashes and the rules a new password must meet.

The rules implement the 口令复杂度 requirement of GB/T 22239-2019 (信息安全技术 网络安全等级保护
基本要求), 8.1.4.1 a) 身份鉴别: "口令应具有复杂度要求并定期更换". The standard names no
figures; the ones below are this project's choice, and stricter than the usual 8 characters:
at least :data:`MIN_LENGTH` characters of at least :data:`MIN_CLASSES` of the four classes
(upper case, lower case, digits, other), not containing the user name. Hashes are argon2id
with argon2-cffi's defaults (RFC 9106's second recommended option), which take 64 MiB and
about a tenth of a second of one core each: at most :data:`AT_ONCE` are computed at a time,
so that fifty sign-ins at once neither take 3 GiB nor starve the pages.
"""

from __future__ import annotations

import os
import secrets
import string
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MIN_CLASSES = 3

#: argon2 computations at a time in this process: one per core
AT_ONCE = os.cpu_count() or 2

_hasher = PasswordHasher()
_slots = threading.BoundedSemaphore(AT_ONCE)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def password_matches(stored: str, password: str) -> bool:
    with _slots:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def password_problems(password: str, username: str = "") -> list[tuple[str, str]]:
    """What a new password lacks, as (Chinese, English) messages; empty when it is fine."""
    out = []
    if len(password) < MIN_LENGTH:
        out.append((f"至少 {MIN_LENGTH} 个字符", f"at least {MIN_LENGTH} characters"))
    classes = sum(any(test(c) for c in password) for test in (str.isupper, str.islower, str.isdigit,
                                                               lambda c: not c.isalnum()))
    if classes < MIN_CLASSES:
        out.append((f"至少包含大写字母、小写字母、数字、其他字符中的 {MIN_CLASSES} 类",
                    f"at least {MIN_CLASSES} of: upper-case letters, lower-case letters, digits, other characters"))
    if username and username.lower() in password.lower():
        out.append(("不得包含用户名", "must not contain the user name"))
    return out


def first_password() -> str:
    """A random first password that meets the rules (the user must change it at sign-in)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(14)) + "-" + secrets.choice(string.digits)
        if not password_problems(pw):
            return pw
