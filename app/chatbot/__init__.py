"""The chat bot: WeChat message push (signed, optionally AES-encrypted XML) and the commands volunteers type."""
