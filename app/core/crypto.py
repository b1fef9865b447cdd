"""Personal data at rest: Fernet encryption, keyed hashes for look-ups, masks for display.

FIELD_ENCRYPTION_KEY holds one or more Fernet keys separated by commas; the first encrypts,
all decrypt, so a key can be rotated without a flag day.
"""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class FieldCipher:
    def __init__(self) -> None:
        self._fernet: MultiFernet | None = None
        self._hash_key: bytes | None = None

    def configure(self, keys: str) -> None:
        fernets = [Fernet(key.strip()) for key in keys.split(",") if key.strip()]
        if not fernets:
            raise RuntimeError("FIELD_ENCRYPTION_KEY holds no key")
        self._fernet = MultiFernet(fernets)
        # The look-up hash key is derived from the first key, never the key itself.
        self._hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"field-lookup-hash").derive(
            keys.split(",")[0].strip().encode()
        )

    @property
    def fernet(self) -> MultiFernet:
        if self._fernet is None:
            raise RuntimeError("field encryption is not configured")
        return self._fernet

    def encrypt(self, plaintext: str) -> str:
        return self.fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError("personal field cannot be decrypted with the configured keys") from exc

    def lookup_hash(self, value: str) -> str:
        """A keyed hash so duplicates can be found without storing or comparing plaintext."""
        if self._hash_key is None:
            raise RuntimeError("field encryption is not configured")
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()


cipher = FieldCipher()


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_id_number(id_number: str | None) -> str | None:
    if not id_number:
        return id_number
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张三丰 -> 张**: for lists other people may see."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
