"""The wall in a real headless browser: Debian's chromium driven by Selenium through
Debian's chromedriver (no browser download).  The page must show a new event
live, without a reload, and store the actions clicked on the event page.

Screenshots are written to this test's tmp_path (printed) and copied to
``out/`` at the repository root (git-ignored) when it can be created.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.services import binary, missing
from streams.wall import EventStore, create_wall_app, serve_in_thread

REPO = Path(__file__).resolve().parents[1]
TOKEN = "wall-test-token"


def _record(event_id: str, *, keywords, texts, lang, severity="warning", state="active", version=1,
            ts="2026-03-02T02:00:00Z", team="news-desk", watchlist="breaking") -> dict:
    return {
        "type": "created", "id": event_id, "version": version, "ts": ts, "state": state, "severity": severity,
        "score": 12.5, "keywords": keywords, "languages": {lang: 80, "en": 20}, "posts": 100, "voices": 60,
        "communities": 12,
        "volume": [["2026-03-02T01:30:00Z", 3], ["2026-03-02T01:35:00Z", 9], ["2026-03-02T01:45:00Z", 30],
                   ["2026-03-02T01:50:00Z", 41], ["2026-03-02T01:55:00Z", 17]],
        "samples": [{"id": f"{event_id}-{i}", "author": f"user{i}", "lang": lang, "ts": ts, "text": t}
                    for i, t in enumerate(texts)],
        "first_seen": "2026-03-02T01:30:00Z", "team": team, "watchlist": watchlist,
    }


FIRST = _record("ev-first", keywords=["pożar", "szczecinie", "#pożarszczecin", "szczecin"], lang="pl",
                texts=["Pożar w Szczecinie! drogi zamknięte w okolicy", "trzymajcie się tam, są ranni"])
SECOND = _record("ev-second", keywords=["طرابلس", "قطار", "خروج قطار", "tripoli"], lang="ar", severity="critical",
                 ts="2026-03-02T02:10:00Z",
                 texts=["خروج قطار عن السكة في طرابلس، الطرق مغلقة", "Train derailment in Tripoli, roads closed"])


def _out_dir_ignored() -> bool:
    try:
        lines = (REPO / ".gitignore").read_text().splitlines()
    except OSError:
        return False
    return any(line.strip() in ("out", "out/", "/out", "/out/") for line in lines)


@pytest.fixture
def browser(tmp_path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium (pip install -e '.[test]')")
    chromium = binary("chromium", "chromium-browser")
    chromedriver = binary("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1600,1000", "--lang=en-US", "--no-first-run", "--disable-extensions",
                f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=chromedriver, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert driver.save_screenshot(str(path)), "screenshot failed"
    print(f"\nscreenshot: {path}")
    if _out_dir_ignored():
        try:
            out = REPO / "out"
            out.mkdir(exist_ok=True)
            shutil.copyfile(path, out / name)
            print(f"screenshot: {out / name}")
        except OSError as exc:
            print(f"(not copied to out/: {exc})")
    return path


def test_wall_updates_live_and_stores_actions(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    store = EventStore(str(tmp_path / "wall.sqlite"))
    store.apply(FIRST)
    # as detectors.watchlist_queries.WatchlistSet.describe() gives them
    lists = [{"team": "news-desk", "name": "breaking", "description": "Breaking news, any language",
              "queries": [{"terms": ["pożar", "szczecin"]}, {"hashtags": ["#قطار_طرابلس"]}], "overrides": {}}]
    port, stop = serve_in_thread(lambda: create_wall_app(store, token=TOKEN, watchlists=lambda: lists))
    base = f"http://127.0.0.1:{port}"
    wait = WebDriverWait(browser, 10)
    try:
        # the wall, with its token in the URL once
        browser.get(f"{base}/?token={TOKEN}")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'li.card[data-id="ev-first"]')))
        assert "token" not in browser.current_url  # kept in localStorage, dropped from the address bar
        first = browser.find_element(By.CSS_SELECTOR, 'li.card[data-id="ev-first"]')
        assert "pożar" in first.text and "Pożar w Szczecinie" in first.text
        assert "sev-warning" in first.get_attribute("class")
        assert first.find_elements(By.CSS_SELECTOR, "svg.spark polyline")  # the sparkline
        assert "min ago" in first.find_element(By.CSS_SELECTOR, ".age").text
        wait.until(EC.text_to_be_present_in_element_attribute((By.ID, "live"), "data-live", "on"))
        deadline = time.time() + 10
        while store.subscribers == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert store.subscribers >= 1

        # a new event from the pipeline shows up without a reload
        browser.execute_script("window.__noReload = 'still here';")
        store.apply(SECOND)
        second = WebDriverWait(browser, 10).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, 'li.card[data-id="ev-second"]')))
        assert browser.execute_script("return window.__noReload") == "still here"
        assert "طرابلس" in second.text and "sev-critical" in second.get_attribute("class")
        cards = browser.find_elements(By.CSS_SELECTOR, "li.card")
        assert [c.get_attribute("data-id") for c in cards] == ["ev-second", "ev-first"]  # critical first
        # Arabic runs right-to-left, English left-to-right, each by its own text (dir="auto")
        samples = second.find_elements(By.CSS_SELECTOR, ".sample q")
        assert [browser.execute_script("return arguments[0].matches(':dir(rtl)')", q) for q in samples] == [True, False]
        # an update of the first event also arrives live
        store.apply({**FIRST, "version": 2, "type": "updated", "posts": 4321, "ts": "2026-03-02T02:15:00Z"})
        WebDriverWait(browser, 10).until(lambda d: "4321" in d.find_element(
            By.CSS_SELECTOR, 'li.card[data-id="ev-first"]').text)
        _screenshot(browser, tmp_path, "wall-screenshot.png")

        # the search box filters through the API
        box = browser.find_element(By.ID, "q")
        box.send_keys("قطار")
        WebDriverWait(browser, 10).until(lambda d: [c.get_attribute("data-id")
                                                    for c in d.find_elements(By.CSS_SELECTOR, "li.card")] == ["ev-second"])
        box.clear()
        box.send_keys(" ")

        # the event page: chart, samples, history, actions
        browser.get(f"{base}/events/ev-second")
        wait.until(EC.visibility_of_element_located((By.ID, "event")))
        wait.until(lambda d: d.find_element(By.ID, "title").text.strip() != "")
        assert "طرابلس" in browser.find_element(By.ID, "title").text
        assert len(browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.bar")) == 6  # 5 buckets + one empty
        assert len(browser.find_elements(By.CSS_SELECTOR, "#history tr")) == 1
        browser.find_element(By.ID, "by").send_keys("Amira")
        browser.find_element(By.ID, "note").send_keys("calling the Tripoli stringer")
        browser.find_element(By.ID, "act-acknowledge").click()
        wait.until(EC.text_to_be_present_in_element_attribute((By.ID, "status"), "data-acknowledged", "yes"))
        assert "Acknowledged by Amira" in browser.find_element(By.ID, "status").text
        browser.find_element(By.ID, "act-mute").click()
        wait.until(EC.text_to_be_present_in_element_attribute((By.ID, "status"), "data-muted", "yes"))
        wait.until(EC.visibility_of_element_located((By.ID, "act-unmute")))
        actions = store.actions("ev-second")
        assert [(a["action"], a["by"]) for a in actions] == [("acknowledge", "Amira"), ("mute", "Amira")]
        assert actions[0]["note"] == "calling the Tripoli stringer"
        assert store.status("ev-second")["muted"] and store.suppressed(SECOND)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#action-log li")) == 2)
        _screenshot(browser, tmp_path, "wall-event-screenshot.png")

        # the watchlist view lists the team's watchlist, its queries and its current events
        browser.get(f"{base}/watchlists")
        wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, 'section.team[data-team="news-desk"] li.mini[data-id="ev-second"]')))
        queries = browser.find_element(By.CSS_SELECTOR, "article.watchlist .queries").text
        assert "terms: pożar + szczecin" in queries and "#قطار_طرابلس" in queries

        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
    finally:
        stop()
        store.close()
