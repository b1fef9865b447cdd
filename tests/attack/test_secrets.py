"""No secret is committed: no private key, no WeChat AppSecret or Fernet key outside the known test and demo
values, and instance/ (where development keys are generated) is never tracked."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Test and demo values, each obviously not for production (and refused there: config/settings.py).
KNOWN = {
    "demo-password-2026",
    "test-secret-key-not-for-production",
    "q8o2y1d0i1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q=",
    "correct-horse-battery",
    "chat-push-token",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "fake-app-secret",
    "miniprogram-contract-test",
    "miniprogramcontract",
    "fromtheenvironment",
}
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
ASSIGNED = re.compile(r"(?:SECRET|TOKEN|AES_KEY|PASSWORD|ENCRYPTION_KEY)[A-Z_]*\s*[=:]\s*['\"]?([^'\"\s,)]{8,})")
FERNET = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=")


def tracked() -> list[Path]:
    try:
        names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [
        ROOT / name
        for name in names.splitlines()
        if not name.startswith(("miniprogram/package-lock", "app/console/static/vendor/"))
    ]


def looks_secret(value: str) -> bool:
    """A long token-like value that is not a known test value, a placeholder or a name (code, not data)."""
    if value in KNOWN or value.startswith("CHANGE-ME") or "." in value or re.fullmatch(r"[A-Za-z_]+", value):
        return False
    return re.fullmatch(r"[A-Za-z0-9+/=_-]{16,}", value) is not None


def test_the_scan_tells_a_secret_from_a_placeholder():
    assert looks_secret("wx9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c")
    assert not looks_secret("CHANGE-ME") and not looks_secret("WECHAT_SECRET") and not looks_secret("fake-app-secret")


def test_no_secret_is_committed():
    found = []
    for path in tracked():
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        relative = path.relative_to(ROOT)
        if PRIVATE_KEY.search(text):
            found.append(f"{relative}: private key")
        for value in ASSIGNED.findall(text) + FERNET.findall(text):
            if looks_secret(value):
                found.append(f"{relative}: {value[:6]}…")
    assert not found, "像密钥的值被提交到了仓库：" + "; ".join(found)


def test_generated_development_keys_are_not_tracked():
    assert not [path for path in tracked() if path.relative_to(ROOT).parts[0] == "instance"]
