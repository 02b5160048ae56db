"""Labels written through the real ``culturewatch browse`` server (Datasette, asgi-csrf,
datasette-auth-passwords), and by a real browser clicking the button.

- On loopback the person at the machine (the local actor) labels; the form's CSRF token
  is required, and a POST without Datasette's CSRF cookie is refused.
- Without local writes (as when served beyond 127.0.0.1) only a signed-in actor the
  ``label_allow`` block admits may label: anonymous and other actors are refused.
- A page served on another port of 127.0.0.1 (same site for cookies, another origin)
  cannot label as the local user (issue 27, finding 5): the cookies are HttpOnly, so its
  scripts cannot read the CSRF token, and a POST whose Origin or Referer is another port
  is refused; by a real browser too.
"""

from __future__ import annotations

import getpass
import re
import shutil
from pathlib import Path

import httpx
import pytest
import yaml
from browse_helpers import browse_server, crawl_fixture_archive, free_port
from support import HTML, REPO, FixtureServer, Route
from support.browser import HAVE_CHROMIUM, NO_CHROMIUM, chromium

from storage.archive import Archive
from storage.web.serve import labelling_config

pytestmark = pytest.mark.slow  # a crawl of the fixture site and a real server
ROUTE = "/-/culturewatch/label"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crawl_fixture_archive(tmp_path_factory.mktemp("labelling"))


def labels(db: Path) -> list[tuple]:
    with Archive(db, readonly=True) as archive:
        return archive.db.execute(
            "select article_id, label, theme, note, labelled_by from labels order by id"
        ).fetchall()


def token(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    found = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert found, "no csrftoken in the page"
    return found.group(1)


def first_article(db: Path) -> int:
    with Archive(db, readonly=True) as archive:
        return archive.db.execute("select min(id) from articles").fetchone()[0]


def test_the_local_actor_labels_with_the_csrf_token(crawled: Path, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    shutil.copy(crawled, db)
    article = first_article(db)
    with browse_server(db, "--config", str(crawled.parent / "config")) as base:
        page = f"{base}/culturewatch/articles/{article}"
        with httpx.Client() as client:
            csrf = token(client, page)
            assert "Relevant</button>" in client.get(page).text
            form = {"csrftoken": csrf, "article_id": str(article), "label": "0",
                    "theme": "films_games", "note": "<b>only a mention</b>"}  # fmt: skip
            done = client.post(base + ROUTE, data=form)
            assert done.status_code == 302, done.text[:500]
            assert done.headers["location"].endswith(f"/culturewatch/articles/{article}#label")
            shown = client.get(page).text
            assert "Labelled not relevant" in shown  # Datasette's message
            assert "&lt;b&gt;only a mention&lt;/b&gt;" in shown and "<b>only" not in shown
            # a wrong token, and a form missing the theme it names
            assert client.post(base + ROUTE, data={**form, "csrftoken": "x"}).status_code == 403
            bad_theme = client.post(base + ROUTE, data={**form, "theme": "cooking"})
            assert bad_theme.status_code == 400
            # relayed by a reverse proxy on this machine: a visitor from anywhere, not local
            relayed = {"X-Forwarded-For": "203.0.113.9"}
            proxied = client.post(base + ROUTE, data=form, headers=relayed)
            assert proxied.status_code == 403, proxied.text[:300]
        # no cookies at all (a page elsewhere posting into a fresh browser): refused
        bare = httpx.post(base + ROUTE, data={"article_id": str(article), "label": "1"})
        assert bare.status_code == 403
        query = httpx.get(f"{base}/culturewatch/labelled_articles.json?_shape=objects").json()
        assert [(r["id"], r["label"], r["theme"]) for r in query["rows"]] == [
            (article, 0, "films_games")
        ]
    assert labels(db) == [(article, 0, "films_games", "<b>only a mention</b>", getpass.getuser())]


def test_a_post_from_another_port_is_refused_and_cookies_are_http_only(
    crawled: Path, tmp_path: Path
) -> None:
    """Before: ds_csrftoken was readable by scripts (no HttpOnly) and a POST from
    http://127.0.0.1:OTHER with it wrote a label as the local user (302)."""
    db = tmp_path / "archive.db"
    shutil.copy(crawled, db)
    article = first_article(db)
    with browse_server(db, "--config", str(crawled.parent / "config")) as base:
        page = f"{base}/culturewatch/articles/{article}"
        with httpx.Client() as client:
            first = client.get(page)
            cookies = first.headers.get_list("set-cookie")
            assert any(c.startswith("ds_csrftoken=") for c in cookies)
            assert all("httponly" in c.lower() for c in cookies), cookies
            # a browser names the page's own origin in a POST (Datasette's no-referrer: null)
            assert first.headers["referrer-policy"] == "same-origin"
            csrf = token(client, page)
            form = {"csrftoken": csrf, "article_id": str(article), "label": "1"}
            other = f"http://127.0.0.1:{free_port()}"
            for headers in (
                {"origin": other},
                {"referer": other + "/evil.html"},  # a browser that sends no Origin
                {"origin": "null"},  # a sandboxed frame
                {"origin": base.replace("127.0.0.1", "localhost")},  # another host name
            ):
                refused = client.post(base + ROUTE, data=form, headers=headers)
                assert refused.status_code == 403, (headers, refused.text[:300])
            assert labels(db) == []
            own = client.post(base + ROUTE, data=form, headers={"origin": base})
            assert own.status_code == 302, own.text[:300]
            with_referer = client.post(base + ROUTE, data=form, headers={"referer": page})
            assert with_referer.status_code == 302
    assert [row[:2] for row in labels(db)] == [(article, 1), (article, 1)]


ATTACK = """<!doctype html><title>elsewhere</title>
<form id="form" method="post" action="{route}">
<input name="csrftoken"><input name="article_id" value="{article}">
<input name="label" value="0"><input name="note" value="form from another port"></form>
<script>
const token = (document.cookie.match(/ds_csrftoken=([^;]+)/) || [])[1] || "";
document.title = "token:" + (token ? "read" : "unreadable");
const body = "csrftoken=" + token + "&article_id={article}&label=1&note=fetch";
fetch("{route}", {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"Content-Type": "application/x-www-form-urlencoded"}}, body}})
  .finally(() => {{
    document.title += " fetched";
    document.querySelector("[name=csrftoken]").value = token;
    document.getElementById("form").submit();
  }});
</script>"""


@pytest.mark.browser
@pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM)
def test_a_page_on_another_port_cannot_label_in_a_browser(crawled: Path, tmp_path: Path) -> None:
    """A browser that has opened the archive visits a page served on another port of
    127.0.0.1, which posts a label with fetch and with a form. Before: both wrote a label
    as the local user. Now its script cannot read the token and the POSTs are refused."""
    from selenium.webdriver.support.ui import WebDriverWait

    db = tmp_path / "archive.db"
    shutil.copy(crawled, db)
    article = first_article(db)
    with browse_server(db, "--config", str(crawled.parent / "config")) as base:
        attack = ATTACK.format(route=base + ROUTE, article=article)
        with FixtureServer({"/elsewhere.html": Route(body=attack, content_type=HTML)}) as srv:
            driver = chromium(tmp_path / "chromium-profile", width=1000, height=800)
            try:
                driver.get(f"{base}/culturewatch/articles/{article}")  # the archive's cookies
                assert driver.get_cookie("ds_csrftoken"), "the article page set no CSRF cookie"
                driver.get(srv.url("/elsewhere.html"))
                WebDriverWait(driver, 20).until(lambda d: d.current_url.startswith(base))
                answer = driver.find_element("tag name", "body").text
            finally:
                driver.quit()
    assert labels(db) == [], answer[:300]


def write_metadata(config: Path, hashes: dict[str, str]) -> None:
    data = yaml.safe_load((REPO / "config" / "metadata.yml").read_text(encoding="utf-8"))
    data["plugins"] = {
        "culturewatch-labelling": {"local_writes": False, "label_allow": {"id": ["analyst"]}},
        "datasette-auth-passwords": {f"{name}_password_hash": h for name, h in hashes.items()},
    }
    (config / "metadata.yml").write_text(yaml.safe_dump(data), encoding="utf-8")


def login(client: httpx.Client, base: str, name: str, password: str) -> None:
    csrf = token(client, base + "/-/login")
    done = client.post(
        base + "/-/login", data={"csrftoken": csrf, "username": name, "password": password}
    )
    assert done.status_code == 302, done.text[:300]


def test_without_local_writes_only_an_allowed_signed_in_actor_labels(
    crawled: Path, tmp_path: Path
) -> None:
    from datasette_auth_passwords.utils import hash_password

    db = tmp_path / "archive.db"
    shutil.copy(crawled, db)
    config = tmp_path / "config"
    shutil.copytree(crawled.parent / "config", config)
    write_metadata(config, {"analyst": hash_password("a-secret"), "reader": hash_password("r")})
    article = first_article(db)
    with browse_server(db, "--config", str(config)) as base:
        page = f"{base}/culturewatch/articles/{article}"
        with httpx.Client() as anonymous:
            csrf = token(anonymous, base + "/-/login")
            text = anonymous.get(page).text
            assert "log in" in text and "Relevant</button>" not in text  # reading as before
            form = {"csrftoken": csrf, "article_id": str(article), "label": "1"}
            assert anonymous.post(base + ROUTE, data=form).status_code == 403
        with httpx.Client() as reader:
            login(reader, base, "reader", "r")
            csrf = token(reader, page)
            form = {"csrftoken": csrf, "article_id": str(article), "label": "1"}
            assert reader.post(base + ROUTE, data=form).status_code == 403
        assert labels(db) == []
        with httpx.Client() as analyst:
            login(analyst, base, "analyst", "a-secret")
            csrf = token(analyst, page)
            form = {"csrftoken": csrf, "article_id": str(article), "label": "1"}
            assert analyst.post(base + ROUTE, data=form).status_code == 302
    assert labels(db) == [(article, 1, None, None, "analyst")]


def test_beyond_loopback_there_is_no_local_actor() -> None:
    assert labelling_config("0.0.0.0", {"local_user": "me"})["local_writes"] is False
    assert labelling_config("192.0.2.7", {"local_writes": True})["local_writes"] is False
    assert "local_writes" not in labelling_config("127.0.0.1", {})  # the metadata's, else on
    assert "local_writes" not in labelling_config("localhost", {})


@pytest.mark.browser
@pytest.mark.skipif(not HAVE_CHROMIUM, reason=NO_CHROMIUM)
def test_a_browser_labels_an_article(crawled: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    db = tmp_path / "archive.db"
    shutil.copy(crawled, db)
    article = first_article(db)
    with browse_server(db, "--config", str(crawled.parent / "config")) as base:
        driver = chromium(tmp_path / "chromium-profile", width=1280, height=1400)
        try:
            driver.get(f"{base}/culturewatch/articles/{article}")
            form = WebDriverWait(driver, 20).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, "form.culturewatch-label-form"))
            )
            Select(form.find_element(By.NAME, "theme")).select_by_value("heritage_unesco")
            form.find_element(By.NAME, "note").send_keys("right article, wrong theme")
            form.find_element(By.CSS_SELECTOR, "button[value='0']").click()
            WebDriverWait(driver, 20).until(
                ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Labelled not relevant")
            )
            listed = driver.find_element(By.CSS_SELECTOR, "ul.culturewatch-labels").text
            assert "not relevant for Heritage" in listed and "wrong theme" in listed
            driver.find_element(By.CSS_SELECTOR, "button[value='1']").click()  # whole article
            WebDriverWait(driver, 20).until(
                ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Labelled relevant")
            )
            assert driver.save_screenshot(str(tmp_path / "label.png"))
        finally:
            driver.quit()
    user = getpass.getuser()
    assert labels(db) == [
        (article, 0, "heritage_unesco", "right article, wrong theme", user),
        (article, 1, None, None, user),
    ]
