"""The fault scenarios: each one breaks something and returns the accounting.

Scenario-specific facts (a row held, a feed deferred, a secret absent) are asserted
inside the scenario; the suite and `make faults` then check the common ones: no entry
lost, no alert lost, no alert posted twice.
"""

from __future__ import annotations

import gzip
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text, update

from pipeline.schema import alerts
from pipeline.store import utcnow
from tests.faults.harness import (
    TOKEN,
    FaultLab,
    Outcome,
    guids,
    near_copy,
    quiet_item,
    rss,
    story,
)


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: str
    run: Callable[[FaultLab], Outcome]
    backend: str = "sqlite"
    slow: bool = False  # starts pipeline processes (spaCy loads in each)


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, fault: str, backend: str = "sqlite", slow: bool = False
) -> Callable[[Callable[[FaultLab], Outcome]], Callable[[FaultLab], Outcome]]:
    def register(run: Callable[[FaultLab], Outcome]) -> Callable[[FaultLab], Outcome]:
        SCENARIOS[name] = Scenario(name, fault, run, backend, slow)
        return run

    return register


def _wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _age_claims(lab: FaultLab) -> None:
    """Make every in-flight claim look older than the claim timeout."""
    store = lab.store()
    try:
        with store.transaction() as conn:
            conn.execute(
                update(alerts)
                .where(alerts.c.status == "sending")
                .values(claimed_at=utcnow() - timedelta(minutes=10))
            )
    finally:
        store.engine.dispose()


def _ingest(lab: FaultLab, **overrides: str) -> None:
    """Fetch and store every feed without delivering (the outbox fills up)."""
    from pipeline.cycle import process_feed

    with lab.resources(**overrides) as resources:
        for feed in resources.feeds:
            process_feed(resources, feed)


def _statuses(lab: FaultLab) -> list[str]:
    return sorted(row["status"] for row in lab.alert_rows())


# --- Slack answers badly after accepting a post ------------------------------------------
def _after_post(kind: str, **fail: float) -> Callable[[FaultLab], Outcome]:
    def run(lab: FaultLab) -> Outcome:
        items = [story(n) for n in range(3)]
        lab.publish("a.xml", items)
        lab.slack.fail_next(kind, **fail)  # type: ignore[arg-type]
        first = lab.run(SLACK_TIMEOUT="1")
        assert first.delivery.sent == 3, first.delivery
        lab.run(SLACK_TIMEOUT="1")
        lab.deliver()
        assert _statuses(lab) == ["sent"] * 3
        return lab.outcome(guids(items), "unknown outcome looked up in channel history")

    return run


scenario("slack-post-then-drop", "Slack accepts chat.postMessage, then the connection drops")(
    _after_post("post_then_drop")
)
scenario("slack-half-reply", "Slack posts, then sends half a reply")(
    _after_post("post_then_partial")
)
scenario("slack-reply-after-timeout", "Slack posts, then replies after the client timeout")(
    _after_post("post_then_slow", delay=3.0)
)


@scenario("slack-refused-then-ok", "Slack refuses the connection before reading the post")
def _refused(lab: FaultLab) -> Outcome:
    items = [story(n) for n in range(2)]
    lab.publish("a.xml", items)
    lab.slack.fail_next("refuse")
    lab.run()
    for _ in range(3):
        _retry_now(lab)
        lab.deliver()
    return lab.outcome(guids(items), "not posted: looked up, then sent once")


def _retry_now(lab: FaultLab) -> None:
    """Skip the backoff and the grace before an unknown post counts as absent."""
    store = lab.store()
    try:
        with store.transaction() as conn:
            conn.execute(update(alerts).values(next_attempt_at=None))
            conn.execute(
                update(alerts)
                .where(alerts.c.claimed_at.is_not(None))
                .values(claimed_at=utcnow() - timedelta(minutes=10))
            )
    finally:
        store.engine.dispose()


@scenario("webhook-post-then-drop", "an incoming webhook posts, then the connection drops")
def _webhook_drop(lab: FaultLab) -> Outcome:
    items = [story(n) for n in range(3)]
    lab.publish("a.xml", items)
    hook = {"SLACK_BOT_TOKEN": "", "SLACK_WEBHOOK_URL": lab.slack.webhook_url}
    lab.slack.fail_next("post_then_drop")
    summary = lab.run(**hook)
    assert (summary.delivery.sent, summary.delivery.held) == (2, 1), summary.delivery
    lab.run(**hook)
    assert _statuses(lab) == ["held", "sent", "sent"]  # never re-sent blindly
    [held] = [row["id"] for row in lab.alert_rows() if row["status"] == "held"]
    status = lab.cli("status", **hook)
    assert "[held]" in status.stdout, status.stdout
    marked = lab.cli("alerts", "mark-sent", str(held), **hook)
    assert marked.returncode == 0, marked.stderr
    lab.run(**hook)
    assert _statuses(lab) == ["sent"] * 3
    return lab.outcome(guids(items), "held for an operator, then marked sent", webhook=True)


# --- the deliverer is killed between post and record -------------------------------------
def _kill_during_post(lab: FaultLab, **overrides: str) -> None:
    """Run `deliver` in a child process and SIGKILL it while Slack holds its reply."""
    before = len(lab.slack.messages) + len(lab.slack.webhook_messages)
    lab.slack.fail_next("post_then_slow", delay=30.0)
    child = lab.start_cli("deliver", **overrides)
    _wait_for(lambda: len(lab.slack.messages) + len(lab.slack.webhook_messages) > before)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    _age_claims(lab)


@scenario(
    "kill-between-post-and-record", "kill -9 after the post, channel given by name", slow=True
)
def _kill_by_name(lab: FaultLab) -> Outcome:
    items = [story(n) for n in range(2)]
    lab.publish("a.xml", items)
    _ingest(lab)
    _kill_during_post(lab)
    lab.deliver()
    lab.deliver()
    assert _statuses(lab) == ["sent", "sent"]
    return lab.outcome(guids(items), "found by key in history (ID resolved from the name)")


@scenario("kill-during-thread-reply", "kill -9 after posting a thread reply", slow=True)
def _kill_reply(lab: FaultLab) -> Outcome:
    first = story(0)
    lab.publish("a.xml", [first])
    lab.run()
    copy = near_copy(0, "outlet-b.example")
    lab.publish("b.xml", [copy])
    _ingest(lab)
    assert any(row["thread_of"] for row in lab.alert_rows())
    _kill_during_post(lab)
    lab.deliver()
    reply = next(m for m in lab.slack.messages if m["thread_ts"])
    assert reply["thread_ts"] == lab.slack.messages[0]["ts"]
    assert _statuses(lab) == ["sent", "sent"]
    return lab.outcome({first["guid"], copy["guid"]}, "found by key in the thread's replies")


@scenario("kill-with-webhook", "kill -9 after a webhook post", slow=True)
def _kill_webhook(lab: FaultLab) -> Outcome:
    items = [story(n) for n in range(2)]
    lab.publish("a.xml", items)
    hook = {"SLACK_BOT_TOKEN": "", "SLACK_WEBHOOK_URL": lab.slack.webhook_url}
    _ingest(lab, **hook)
    _kill_during_post(lab, **hook)
    lab.deliver(**hook)
    assert _statuses(lab) == ["held", "sent"]
    [held] = [row["id"] for row in lab.alert_rows() if row["status"] == "held"]
    lab.cli("alerts", "mark-sent", str(held), **hook)
    lab.deliver(**hook)
    return lab.outcome(guids(items), "held, then marked sent by an operator", webhook=True)


# --- configuration fixed while alerts wait ------------------------------------------------
@scenario("channel-wrong-then-fixed", "SLACK_CHANNEL wrong, then fixed")
def _wrong_channel(lab: FaultLab) -> Outcome:
    rules = lab.workdir / "alerts.yaml"
    rules.write_text(
        "rules:\n"
        "  - id: fallen\n    match: {category: territory_captured, actor: Taliban}\n"
        "  - id: ops\n    channel: '#ops'\n"
        "    match: {category: territory_captured, actor: Taliban}\n"
    )
    lab.slack.add_channel("#ops", "C0OPSROOM")
    items = [story(n) for n in range(4)]
    lab.publish("a.xml", items)
    wrong = lab.run(ALERTS_FILE=str(rules), SLACK_CHANNEL="#afghan-alerts-typo")
    assert (wrong.delivery.sent, wrong.delivery.set_aside) == (4, 4), wrong.delivery
    assert wrong.delivery.blocked is None  # other channels kept flowing
    released = lab.cli("alerts", "release", "--blocked", ALERTS_FILE=str(rules))
    assert "4 alerts queued again" in released.stdout, released
    lab.deliver(ALERTS_FILE=str(rules))
    assert len(lab.slack.messages_in("#afghanistan-alerts")) == 4
    assert len(lab.slack.messages_in("#ops")) == 4
    return lab.outcome(guids(items), "blocked rows released after the fix")


# --- concurrent feeds reporting one story ---------------------------------------------------
@scenario(
    "concurrent-syndicated-feeds",
    "two pipeline processes at once on a feed and its syndicated copies",
    backend="postgres",
    slow=True,
)
def _concurrent(lab: FaultLab) -> Outcome:
    originals = [story(n) for n in range(6)]
    copies = [near_copy(n, "outlet-b.example") for n in range(6)]
    a = lab.publish("a.xml", originals)
    b = lab.publish("b.xml", copies)
    children = [lab.start_cli("run", "--quiet", "--feed", url) for url in (a, b)]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()[-2000:]
    lab.deliver()
    top_level = [m for m in lab.slack.messages if not m["thread_ts"]]
    assert len(top_level) == 6, [m["text"][:60] for m in top_level]
    return lab.outcome(guids(originals) | guids(copies), "one alert per story, copies in thread")


# --- fetching ------------------------------------------------------------------------------
SECRET = "INTERNAL-ONLY-7f3a9c"


@scenario("ssrf-article-links", "full_text items linking to loopback, private, metadata hosts")
def _ssrf(lab: FaultLab) -> Outcome:
    page = f"<html><body><article><p>{SECRET} " + "internal text. " * 40 + "</p></article>"
    lab.feeds.route("/internal.html", body=page.encode(), headers={"Content-Type": "text/html"})
    lab.feeds.route(
        "/hop.html", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    port = lab.feeds.port
    targets = [
        f"http://127.0.0.2:{port}/internal.html",
        "http://10.255.255.1/internal.html",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{port}/internal.html",
        lab.feeds.url("/hop.html"),
    ]
    items = [{**story(n), "link": link} for n, link in enumerate(targets)]
    lab.publish("a.xml", items)
    _full_text(lab, "a.xml")
    lab.run(FETCH_ALLOW_NETWORKS="127.0.0.1/32")
    store = lab.store()
    with store.engine.connect() as conn:
        leaked = conn.execute(
            text("SELECT count(*) FROM articles WHERE text LIKE :s"), {"s": f"%{SECRET}%"}
        ).scalar_one()
    store.engine.dispose()
    assert leaked == 0 and SECRET not in str(lab.slack.messages)
    assert lab.feeds.requests["/internal.html"] == 0
    return lab.outcome(guids(items), "refused at every hop; teasers kept")


def _full_text(lab: FaultLab, name: str) -> None:
    listed = lab.workdir / "feeds.yaml"
    url = lab.feeds.url(name)
    body = listed.read_text().replace(f"  - url: {url}\n", f"  - url: {url}\n    full_text: true\n")
    listed.write_text(body)


@scenario("canonical-names-another-outlet", "a page whose rel=canonical names another outlet")
def _canonical(lab: FaultLab) -> Outcome:
    first = story(0, outlet="outlet-a.example")
    lab.publish("a.xml", [first])
    lab.run()
    other = story(1)  # another district's fall, on our loopback "outlet"
    page = (
        f'<html><head><link rel="canonical" href="{first["link"]}"></head><body><article>'
        f"<p>{other['description']}</p>"
        + "<p>More on the fighting there.</p>" * 5
        + "</article></body></html>"
    )
    lab.feeds.route("/story.html", body=page.encode(), headers={"Content-Type": "text/html"})
    second = {**other, "link": lab.feeds.url("/story.html"), "guid": "urn:loopback:1"}
    lab.publish("b.xml", [second])
    _full_text(lab, "b.xml")
    lab.run(FETCH_ALLOW_NETWORKS="127.0.0.1/32")
    return lab.outcome({first["guid"], second["guid"]}, "canonical of another domain ignored")


@scenario("shared-links", "items with their own guid and text sharing one link or ?source=")
def _shared_links(lab: FaultLab) -> Outcome:
    base = "https://outlet-a.example/news/live"
    items = [
        {**story(0), "link": base, "guid": "urn:live:1"},
        {**story(1), "link": base, "guid": "urn:live:2"},
        {**story(2), "link": f"{base}?source=3", "guid": "urn:live:3"},
        {**story(3), "link": f"{base}?source=4", "guid": "urn:live:4"},
    ]
    lab.publish("a.xml", items)
    lab.run()
    lab.run()
    return lab.outcome(guids(items), "each guid is its own article")


@scenario("nul-byte-on-postgres", "a NUL byte in one item, on Postgres", backend="postgres")
def _nul(lab: FaultLab) -> Outcome:
    bad = story(0)
    bad["description"] = bad["description"].replace("Monday", "Mon\x00day")
    items = [bad, story(1)]
    lab.publish("a.xml", items)
    lab.run()
    later = [story(2)]
    lab.publish("a.xml", items + later)
    lab.run()
    store = lab.store()
    [feed] = store.list_feeds()
    store.engine.dispose()
    assert feed["consecutive_failures"] == 0 and not feed["disabled"]
    return lab.outcome(guids(items + later), "control characters removed at parse time")


def _list(lab: FaultLab, name: str) -> None:
    listed = lab.workdir / "feeds.yaml"
    lines = listed.read_text().splitlines() if listed.exists() else ["feeds:"]
    lines.append(f"  - url: {lab.feeds.url(name)}")
    listed.write_text("\n".join(lines) + "\n")


@scenario("trickling-feed", "a feed trickling 1 byte/s ahead of a feed with news")
def _trickle(lab: FaultLab) -> Outcome:
    lab.feeds.route("/slow.xml", body=rss([quiet_item(n) for n in range(20)]), trickle=1.0)
    _list(lab, "slow.xml")
    items = [story(0)]
    lab.publish("news.xml", items)
    started = time.monotonic()
    summary = lab.run(HTTP_READ_TIMEOUT="3", HTTP_TOTAL_TIMEOUT="4")
    seconds = time.monotonic() - started
    slow = summary.feeds[0]
    assert not slow.ok and "timeout" in (slow.error or ""), slow
    assert seconds < 15, seconds
    outcome = lab.outcome(guids(items), f"cycle took {seconds:.1f} s with a 4 s deadline")
    outcome.extra["seconds"] = round(seconds, 1)
    return outcome


@scenario("gzip-without-content-encoding", "gzip bytes inflating to 50 MB, no Content-Encoding")
def _gzip_plain(lab: FaultLab) -> Outcome:
    payload = rss([quiet_item(n) for n in range(3)]).replace(
        b"</channel>", b"<!--" + b" " * (50 * 1024 * 1024) + b"--></channel>"
    )
    lab.feeds.route("/bomb.xml", body=gzip.compress(payload, 9))
    _list(lab, "bomb.xml")
    items = [story(0)]
    lab.publish("news.xml", items)
    summary = lab.run(HTTP_MAX_BYTES=str(10 * 1024 * 1024))
    bomb = summary.feeds[0]
    assert not bomb.ok and "cap" in (bomb.error or ""), bomb
    return lab.outcome(guids(items), "refused past HTTP_MAX_BYTES; the other feed stored")


@scenario("gzip-bomb-content-encoding", "a gzip bomb sent with Content-Encoding: gzip")
def _gzip_encoded(lab: FaultLab) -> Outcome:
    bomb = gzip.compress(b"<rss>" + b" " * (60 * 1024 * 1024) + b"</rss>", 9)
    lab.feeds.route("/bomb.xml", body=bomb, headers={"Content-Encoding": "gzip"})
    _list(lab, "bomb.xml")
    items = [story(0)]
    lab.publish("news.xml", items)
    summary = lab.run()
    assert not summary.feeds[0].ok
    return lab.outcome(guids(items), "decoded bytes capped")


@scenario("script-links", "javascript: and data: item links")
def _script_links(lab: FaultLab) -> Outcome:
    items = [
        {**story(0), "link": "javascript:alert(document.cookie)"},
        {**story(1), "link": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="},
    ]
    lab.publish("a.xml", items)
    lab.run()
    posted = str(lab.slack.messages).lower()
    assert "javascript:" not in posted and "data:text" not in posted
    return lab.outcome(guids(items), "no link target in the message")


@scenario("disguised-taliban", "zero-width and homoglyph spellings of Taliban")
def _disguised(lab: FaultLab) -> Outcome:
    spellings = [
        "Tal\u200biban",
        "Tali\u00adban",
        "T\u0430liban",  # Cyrillic a
        "\u0422aliban",  # Cyrillic T
        "Talib\u0430n",
        "Tal\u0456ban",  # Cyrillic i
        "\uff34aliban",  # fullwidth T
        "Ta\u200dliban",
    ]
    items = []
    for n, spelling in enumerate(spellings):
        item = story(n)
        item["description"] = item["description"].replace("Taliban", spelling)
        item["title"] = item["title"].replace("Taliban", spelling)
        items.append(item)
    lab.publish("a.xml", items)
    lab.run()
    assert len(lab.alert_rows()) == len(spellings)
    return lab.outcome(guids(items), f"{len(spellings)} of {len(spellings)} alerted")


@scenario("database-url-problems", "DATABASE_URL malformed, unreachable, password in query")
def _database_urls(lab: FaultLab) -> Outcome:
    cases = [
        "postgresql://analyst:hunter2secret@db.example:notaport/news",
        "postgresql+psycopg://analyst:hunter2secret@127.0.0.1:1/news",
        "postgresql+psycopg://analyst@127.0.0.1:1/news?password=hunter2secret",
        "mysql://analyst:hunter2secret@127.0.0.1/news",
    ]
    for url in cases:
        result = lab.cli("status", DATABASE_URL=url, timeout=60)
        output = result.stdout + result.stderr
        assert result.returncode == 2, (url, output)
        assert "hunter2secret" not in output, output
        assert "Traceback" not in output and len(result.stderr.strip().splitlines()) == 1, output
    return Outcome(0, 0, 0, 0, 0, "exit 2, one line, password masked")


# --- faults that were already handled -------------------------------------------------------
@scenario("random-kill-9", "kill -9 of `run` at random moments, then a full run", slow=True)
def _random_kills(lab: FaultLab) -> Outcome:
    rounds = int(os.environ.get("FAULT_KILLS", "4"))
    rng = random.Random(11)
    items: list[dict[str, str]] = []
    for round_number in range(rounds):
        items += [story(len(items) + k, outlet=f"o{round_number}.example") for k in range(2)]
        items.append(quiet_item(round_number))
        lab.publish("a.xml", items)
        child = lab.start_cli("run", "--quiet")
        time.sleep(rng.uniform(2.0, 7.0))
        child.send_signal(signal.SIGKILL)
        child.wait()
        _age_claims(lab)
    final = lab.cli("run", "--quiet", timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    lab.deliver()
    return lab.outcome(guids(items), f"{rounds} kills")


@scenario("xxe-and-billion-laughs", "XXE and entity expansion in a feed")
def _xxe(lab: FaultLab) -> Outcome:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>x</title><item><title>a</title>'
        b"<guid>xxe-1</guid><description>&x; leak</description></item></channel></rss>"
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        + b"".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
            for p, c in zip("bcdefgh", "cdefghi", strict=True)
        )
        + b']><rss version="2.0"><channel><title>&i;</title></channel></rss>'
    )
    lab.feeds.route("/xxe.xml", body=xxe)
    lab.feeds.route("/laughs.xml", body=laughs)
    _list(lab, "xxe.xml")
    _list(lab, "laughs.xml")
    items = [story(0)]
    lab.publish("news.xml", items)
    started = time.monotonic()
    lab.run()
    assert time.monotonic() - started < 60
    store = lab.store()
    with store.engine.connect() as conn:
        leaked = conn.execute(
            text("SELECT count(*) FROM articles WHERE text LIKE '%root:%'")
        ).scalar_one()
    store.engine.dispose()
    assert leaked == 0
    return lab.outcome(guids(items), "no file read, no expansion")


@scenario("slack-429-and-500-storm", "Slack answers 429 and 500 in bursts")
def _storm(lab: FaultLab) -> Outcome:
    items = [story(n) for n in range(4)]
    lab.publish("a.xml", items)
    lab.slack.fail_next("ratelimit", times=3, retry_after=0)
    lab.slack.fail_next("server_error", times=3)
    lab.run()
    for _ in range(6):
        _retry_now(lab)
        lab.deliver()
    assert _statuses(lab) == ["sent"] * 4
    return lab.outcome(guids(items), "429 retried, 5xx looked up before resending")


@scenario(
    "postgres-connections-killed",
    "pg_terminate_backend on the pipeline's connections mid-run",
    backend="postgres",
    slow=True,
)
def _pg_killed(lab: FaultLab) -> Outcome:
    items = [story(n) for n in range(8)] + [quiet_item(n) for n in range(16)]
    lab.publish("a.xml", items)
    child = lab.start_cli("run", "--quiet")
    stop = threading.Event()
    terminated = [0]

    def terminate() -> None:
        import psycopg

        from tests.faults.harness import ADMIN_URL

        dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        while not stop.wait(0.25):
            with psycopg.connect(dsn, autocommit=True) as conn:
                killed = conn.execute(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (lab.database_name,),
                ).fetchone()
                terminated[0] += killed[0] if killed else 0

    killer = threading.Thread(target=terminate, daemon=True)
    killer.start()
    child.wait(timeout=300)
    stop.set()
    killer.join()
    assert terminated[0] > 0, "no connection was terminated: the fault did not happen"
    for _ in range(2):
        final = lab.cli("run", "--quiet", timeout=300)
        assert final.returncode == 0, final.stderr[-2000:]
    _age_claims(lab)
    lab.deliver()
    note = f"{terminated[0]} connections terminated; first run exit {child.returncode}"
    return lab.outcome(guids(items), note + "; reruns complete")


@scenario("token-never-logged", "Slack rejects the token; logs, output and status")
def _token(lab: FaultLab) -> Outcome:
    items = [story(0)]
    lab.publish("a.xml", items)
    lab.slack.fail_next("invalid_auth")
    result = lab.cli("run", timeout=300)
    status = lab.cli("status")
    output = result.stdout + result.stderr + status.stdout + status.stderr
    assert "invalid_auth" in output and TOKEN not in output
    lab.deliver()
    return lab.outcome(guids(items), "delivery stopped, token masked; sent after")


@scenario("feed-429-retry-after", "a feed answers 429 with Retry-After: 120")
def _feed_retry_after(lab: FaultLab) -> Outcome:
    lab.feeds.route("/busy.xml", status=429, body=b"slow down", headers={"Retry-After": "120"})
    _list(lab, "busy.xml")
    items = [story(0)]
    lab.publish("news.xml", items)
    started = time.monotonic()
    lab.run()
    lab.run()
    assert time.monotonic() - started < 30  # never slept through
    assert lab.feeds.requests["/busy.xml"] == 1  # the second run respected Retry-After
    store = lab.store()
    with store.engine.connect() as conn:
        until = conn.execute(text("SELECT retry_after_until FROM feeds WHERE url LIKE '%busy%'"))
        assert until.scalar_one() is not None
    store.engine.dispose()
    return lab.outcome(guids(items), "deferred, not slept through")


def run_scenario(item: Scenario, workdir: Path) -> Outcome:
    with FaultLab(workdir, item.backend) as lab:
        return item.run(lab)
