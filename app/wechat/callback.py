"""WeChat's callback protocol (消息推送 to /wechat/callback): how a delivery is signed, and the AES
envelope of safe mode. The only code that runs wechatpy's crypto; what to accept is the chat bot's call.

Plain mode signs token + timestamp + nonce; safe mode signs them with the ciphertext (msg_signature)
and encrypts the message for our appid.
"""

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from defusedxml import ElementTree as SafeXML
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner


class Undecryptable(Exception):
    """A safe-mode body that does not open with our key, or is not for our appid."""


def sign(token: str, *parts: str) -> str:
    """WeChat's signature: SHA-1 of the token and the parts, sorted and joined."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def is_signed(signature: str, token: str, *parts: str) -> bool:
    # Constant-time: in plain mode a signature learnt byte by byte would let anyone post any body.
    return bool(signature) and hmac.compare_digest(sign(token, *parts), signature.lower())


@dataclass(frozen=True)
class Sealed:
    """A message as WeChat posts it in safe mode: the envelope XML and its msg_signature."""

    body: str
    msg_signature: str


@dataclass(frozen=True)
class Envelope:
    """Safe mode's AES envelope for one account (token, EncodingAESKey, appid)."""

    token: str
    aes_key: str
    appid: str

    @classmethod
    def from_config(cls, config: Mapping) -> "Envelope | None":
        """The account's envelope, or None when safe mode is not configured (no AES key or appid)."""
        if not (config.get("WECHAT_TOKEN") and config.get("WECHAT_AES_KEY") and config.get("WECHAT_APPID")):
            return None
        return cls(config["WECHAT_TOKEN"], config["WECHAT_AES_KEY"], config["WECHAT_APPID"])

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """The message XML inside `encrypted`; Undecryptable when it is not ours."""
        try:
            # wechatpy checks msg_signature again, decrypts, and checks the message is for our appid.
            return self._crypto().decrypt_message({"Encrypt": encrypted}, msg_signature, timestamp, nonce)
        except Exception:  # any failure to decrypt a correctly signed body means it is not ours
            raise Undecryptable() from None

    def seal(self, xml: str, nonce: str, timestamp: str) -> Sealed:
        """`xml` encrypted for our appid and signed, as WeChat would post it (for trying the bot locally)."""
        body = self._crypto().encrypt_message(xml, nonce, timestamp)
        return Sealed(body, SafeXML.fromstring(body).findtext("MsgSignature") or "")

    def _crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.aes_key, self.appid)
