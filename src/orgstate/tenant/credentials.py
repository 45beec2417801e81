"""Passwords the console generates: "An 8-digit password consisting of a mix of letters
and numbers", drawn from `secrets`. They are returned to the caller once and never
stored, logged or audited."""

from __future__ import annotations

import re
import secrets
import string

PASSWORD_LENGTH = 8
ALPHABET = string.ascii_letters + string.digits
VALID_PASSWORD = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9]{8,32}")


def generate_password() -> str:
    """ "An 8-digit password consisting of a mix of letters and numbers", from `secrets`."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))
        if VALID_PASSWORD.fullmatch(password):
            return password
