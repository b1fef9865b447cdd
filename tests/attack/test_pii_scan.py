"""No full phone or ID number leaves the service in a log line or an answer: volunteers registered with
both, then every GET of the API that takes no id, and each volunteer's own profile, called as each of
them and as staff of their county, with every log record captured at DEBUG."""

import logging
import re

from tests.attendance.test_certificates import id_number

PHONES = ["13912340001", "13912340002", "13912340003"]
IDS = [id_number(f"14010519900307{n:03d}") for n in (121, 122, 123)]
ANY_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _id_routes_free_gets(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods and not rule.arguments
    )


def test_no_full_phone_or_id_number_in_any_log_or_answer(app, api, build, caplog):
    caplog.set_level(logging.DEBUG)
    volunteers = [
        build.volunteer(phone=phone, id_number=number, consent={"version": "2026-11", "sensitive": True})[0]
        for phone, number in zip(PHONES, IDS, strict=True)
    ]
    callers = [*volunteers, build.staff("140105"), build.staff("140105", admin=True)]
    answers = []
    for token in callers:
        caller = api.as_(token)
        for path in _id_routes_free_gets(app):
            answer = caller.get(path.removeprefix("/api/v1"))
            assert answer.status_code < 500, path
            if answer.mimetype.startswith(("application/json", "text/")):  # workbooks and images are zipped bytes
                answers.append((path, answer.get_data(as_text=True)))
    assert any('"phone"' in text for _, text in answers), "the profile (with its masked phone) was read"
    for path, text in answers:
        for secret in [*PHONES, *IDS]:
            assert secret not in text, f"{path} answered a full phone or ID number"
        assert not ANY_PHONE.search(text), f"{path} answered something shaped like a full phone number"
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert logged, "the run logged something to scan"
    for secret in [*PHONES, *IDS]:
        assert secret not in logged
    assert not ANY_PHONE.search(logged)
