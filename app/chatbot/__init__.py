"""The chat bot: what WeChat delivers to /wechat/callback (signed, optionally AES-encrypted XML; app/chatbot/inbound.py)
and the commands volunteers type."""
