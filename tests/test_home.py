"""The landing page at / and the interactive API viewer: in Chinese, and nothing from outside."""

import re
from html.parser import HTMLParser

from app import demo

VIEWER = "/api/docs/swagger"
EXTERNAL = re.compile(r"(?:https?:)?//", re.IGNORECASE)


class References(HTMLParser):
    """Every URL a page loads or links: src and href attributes."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


def test_the_landing_page_says_what_runs_and_links_the_documentation(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "青年志愿者服务派单平台" in page
    assert "派单机器人" in page and "沙箱模式" in page
    assert "SQLite" in page or "PostgreSQL" in page
    urls = references(page)
    assert "/api/v1/openapi.json" in urls and VIEWER in urls
    # The staff console is linked.
    assert "/console/" in urls and "即将上线" not in page
    assert not [url for url in urls if EXTERNAL.match(url)]


def test_demo_logins_are_shown_outside_production_only(app, client, monkeypatch):
    page = client.get("/").get_data(as_text=True)
    assert "dev:volunteer-1" in page and "dev:secretary-" in page
    monkeypatch.setitem(app.config, "MODE", "production")
    page = client.get("/").get_data(as_text=True)
    assert "dev:volunteer-1" not in page and demo.DEMO_PASSWORD not in page and "演示账号" not in page


def test_the_api_viewer_is_served_from_here_with_nothing_from_a_cdn(client):
    response = client.get(VIEWER)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert not re.search(r"https?://", page), "the viewer's page names an outside address"
    urls = references(page)
    assert any(url.endswith(".js") for url in urls) and any(url.endswith(".css") for url in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert '"/api/v1/openapi.json"' in page  # the contract's document, the one clients are written against
    assert "validatorUrl: null" in page  # Swagger UI would otherwise send the document to validator.swagger.io


def test_the_viewers_own_copy_of_the_document_is_the_contract(client):
    assert client.get("/api/docs/openapi.json").json == client.get("/api/v1/openapi.json").json
