"""Tracking codes: 95 random-looking bits in Crockford base32, grouped, with a check symbol.

The check symbol is a weighted sum over GF(32): every single mistyped character and
every swap of two neighbours changes it, and any other mistake (a whole mistyped
group) is caught 31 times out of 32.

Codes are derived as HMAC(secret, submission key), so a double click or a resent
request shows the same code again; only the code's SHA-256 is stored.
"""

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PAYLOAD = 19  # symbols of 5 bits: 95 bits
GROUP = 4
_POLY = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _gf_mul(a: int, b: int) -> int:
    result = 0
    while b:
        if b & 1:
            result ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return result


def _weights(n: int) -> list[int]:
    weights, w = [], 2  # alpha = x; distinct non-zero powers alpha^1..alpha^n (n < 31)
    for _ in range(n):
        weights.append(w)
        w = _gf_mul(w, 2)
    return weights


_WEIGHTS = _weights(PAYLOAD)


def check_symbol(payload: str) -> str:
    total = 0
    for weight, char in zip(_WEIGHTS, payload, strict=True):
        total ^= _gf_mul(weight, ALPHABET.index(char))
    return ALPHABET[total]


def derive_code(secret: str, submission_key: str) -> str:
    digest = hmac.new(secret.encode(), b"tracking:" + submission_key.encode(),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest[:12], "big") >> (96 - 5 * PAYLOAD)
    payload = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(PAYLOAD)))
    return payload + check_symbol(payload)


def normalize(text: str) -> str | None:
    """Uppercase, drop spaces and dashes, fix look-alikes; None if it cannot be a code."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -\t\n")
    cleaned = cleaned.translate(_CONFUSABLE)
    if len(cleaned) != PAYLOAD + 1 or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def is_valid(code: str) -> bool:
    code = normalize(code) or ""
    return bool(code) and hmac.compare_digest(check_symbol(code[:PAYLOAD]), code[PAYLOAD])


def grouped(code: str) -> str:
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


