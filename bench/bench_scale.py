"""Per-article processing time as the store grows: does anything on the path scale with N?

Usage: .venv/bin/python bench/bench_scale.py [--sizes 0,10000,100000] [--million]
       [--articles 200] [--database-url ADMIN_URL] [--keep] [--workers N]

One fixed set of synthetic articles goes through the real per-entry pipeline path,
`cycle.analyze` (dedupe lookups, the shipped extractor, the alert plan with its history
lookups) then `cycle.store_analysis` (the dedupe lock, the decision again, the article,
shingles, events and outbox rows), with 0, 10k, 100k (and with --million 1M) articles
stored in a Postgres database created for the bench. The set and the corpus are
bench_dedupe's generated Afghanistan news; the corpus is loaded as bench_dedupe loads it
(COPY, the rows Store.insert_article writes), with 10% near-duplicates, 50 feeds,
two events per article on real gazetteer districts and alerts on 5% of the originals
over two years, so that every history lookup has rows to find or to skip. After each
size the set is deleted again, so every size processes the very same articles.
Prints stored, ms/article p50 and p95 and their ratio to the empty database; writes JSON
to bench/results/scale-<date>.json. See bench/README.md, "Scale".
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import platform
import random
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import bench_dedupe  # noqa: E402
from bench_dedupe import (  # noqa: E402
    ARTICLE_COLUMNS,
    CHUNK,
    admin_execute,
    conninfo_of,
    copy_rows,
    create_indexes,
    drop_indexes,
    index_snapshot,
    insert_fields,
    percentile,
    set_sequence,
)
from dedupe_corpus import Vocabulary, make_article, truncated_copy  # noqa: E402

from pipeline import dedupe  # noqa: E402
from pipeline.alerts import load_rules  # noqa: E402
from pipeline.cycle import analyze, store_analysis  # noqa: E402
from pipeline.dedupe import Fingerprint  # noqa: E402
from pipeline.models import Entry  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from pipeline.store import Store  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = BENCH / "results"
GAZETTEER = ROOT / "data" / "gazetteer" / "afghanistan_districts.csv"
FEEDS = 50  # corpus articles belong to 50 feeds (the guid index is per feed)
COPY_EVERY = 10  # every 10th corpus article is a near-duplicate of the one before
ALERT_EVERY = 20  # an alert on every 20th corpus article (5%)
WARMUP = 10
RULE_IDS = [
    "district-fallen",
    "provincial-capital-fallen",
    "district-contested",
    "territory-retaken",
    "attack-in-kabul",
    "us-nato-troop-movement",
    "talks-and-agreements",
]

# Two events per corpus article on real districts (the codes the extractor writes), and
# an alert on every ALERT_EVERY-th original, created over the last two years: the place
# history (the latest alert of a rule on a district within 90 days) has rows to look at.
EVENTS_SQL = """
INSERT INTO events (article_id, sentence_index, category, type, actor, realis, claim_status,
    location_name, district, province, district_code, province_code, trigger, evidence,
    evidence_start, evidence_end, created_at)
SELECT a.id, s.n,
       CASE WHEN s.n = 0 THEN 'territory_captured' ELSE 'attack' END,
       CASE WHEN s.n = 0 THEN 'district_captured' ELSE 'attack' END,
       'Taliban', 'actual', 'asserted', d.code, d.code, left(d.code, 4), d.code,
       left(d.code, 4), 'captured', 'The Taliban captured the district centre.', 0, 40,
       now() - ((a.id::bigint * 7919) %% 730) * interval '1 day'
FROM articles a
CROSS JOIN generate_series(0, 1) AS s(n)
CROSS JOIN LATERAL (
    SELECT (%(codes)s::text[])[1 + (a.id::bigint * 31 + s.n * 17) %% %(ncodes)s] AS code
) AS d
WHERE a.id > %(low)s AND a.id <= %(high)s
"""
ALERTS_SQL = """
INSERT INTO alerts (idempotency_key, rule_id, article_id, event_id, district_code, channel,
    payload, status, attempts, created_at, sent_at, slack_channel_id, slack_ts)
SELECT r.rule || ':' || a.canonical_url, r.rule, a.id, e.id, e.district_code,
       '#afghanistan-alerts', '{}',
       'sent', 1, e.created_at, e.created_at, 'C0BENCH', '1700000000.000100'
FROM articles a
JOIN events e ON e.article_id = a.id AND e.sentence_index = 0
CROSS JOIN LATERAL (SELECT (%(rules)s::text[])[1 + (a.id / %(every)s) %% %(nrules)s] AS rule) r
WHERE a.id > %(low)s AND a.id <= %(high)s AND a.id %% %(every)s = 1
"""


# --------------------------------------------------------------------------- corpus
def _load_chunk(bounds: tuple[int, int]) -> tuple[int, int]:
    """bench_dedupe's loader, with feeds and near-duplicates: corpus articles
    [start, stop) get ids start+1..; every COPY_EVERY-th is a copy of the one before
    (stored as insert_article stores a copy: linked, without shingles)."""
    start, stop = bounds
    worker = bench_dedupe._WORKER  # set by bench_dedupe._init_worker in this process
    vocab, seed, conn = worker["vocab"], worker["seed"], worker["conn"]
    now = datetime.now(UTC)
    rows = []
    for index in range(start, stop):
        article_id = index + 1
        article = make_article(vocab, seed, "corpus", index)
        fingerprint = Fingerprint.of(article.text)
        values = {
            **insert_fields(article, fingerprint),
            "id": article_id,
            "feed_id": 1 + article_id % FEEDS,
            "fetched_at": now,
            "duplicate_of": None,
            "dup_status": "new",
            "dup_method": "none",
            "dup_score": 0.0,
            "dup_detail": None,
        }
        sample: Sequence[int] = fingerprint.index_sample
        if article_id % COPY_EVERY == 0:
            values |= {
                "duplicate_of": article_id - 1,
                "dup_status": "near_duplicate",
                "dup_method": "containment",
                "dup_score": 0.42,
            }
            sample = ()
        rows.append((tuple(values[c] for c in ARTICLE_COLUMNS), sample))
    written = copy_rows(conn, rows)
    conn.commit()
    return stop - start, written


def district_codes() -> list[str]:
    with GAZETTEER.open(encoding="utf-8") as handle:
        return sorted({row["district_pcode"] for row in csv.DictReader(handle)})


def grow(args: argparse.Namespace, store: Store, conninfo: str, loaded: int, n: int) -> float:
    """Grow the corpus from `loaded` to `n` articles (with events and alerts)."""
    started = time.perf_counter()
    progress(f"\n== {n:,} stored: loading {n - loaded:,} more articles ({args.workers} workers)")
    before = index_snapshot(conninfo)
    store.engine.dispose()
    saved = drop_indexes(conninfo)
    chunks = [(i, min(i + CHUNK, n)) for i in range(loaded, n, CHUNK)]
    done = 0
    context = multiprocessing.get_context("fork")
    initargs = (conninfo, args.corpus_seed, True)
    with context.Pool(args.workers, bench_dedupe._init_worker, initargs) as pool:
        for count, _ in pool.imap_unordered(_load_chunk, chunks):
            done += count
            rate = done / (time.perf_counter() - started)
            progress(f"\r  {loaded + done:>9,}/{n:,} articles, {rate:,.0f}/s", end="")
    progress("")
    set_sequence(conninfo, n)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM articles, shingles")
    create_indexes(conninfo, saved, progress)
    if index_snapshot(conninfo) != before:
        raise SystemExit("recreated indexes differ from the migrated schema")
    codes = district_codes()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # valid by construction
        window = {"low": loaded, "high": n}
        conn.execute(EVENTS_SQL, {**window, "codes": codes, "ncodes": len(codes)})
        rules = {"rules": RULE_IDS, "nrules": len(RULE_IDS), "every": ALERT_EVERY}
        conn.execute(ALERTS_SQL, {**window, **rules})
        conn.execute("VACUUM ANALYZE")
        # write the load's dirty pages out now, not while the articles are being timed
        conn.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    progress(f"  ready in {seconds:.0f}s")
    return seconds


# --------------------------------------------------------------------------- the set
def article_set(count: int, seed: int, corpus_seed: int) -> tuple[list[Entry], list[Entry]]:
    """`count` entries (and WARMUP others) of bench_dedupe's generated Afghanistan news,
    in a namespace of their own (new to every corpus, with its sites' footers): 80%
    reports, 20% another outlet's rewrite of one of them (its first 40% plus unrelated
    copy: a near-duplicate, so the story lookups run), each some entries after it."""
    vocab = Vocabulary(corpus_seed, True)
    copies = count // 5
    news = [make_article(vocab, seed, "scale", i) for i in range(count - copies + WARMUP)]
    filler = [make_article(vocab, seed, "scale-filler", i) for i in range(copies)]
    entries = [
        Entry(url=a.url, title=a.title, text=a.text, guid=a.url, published=a.published)
        for a in news
    ]
    warmup, entries = entries[count - copies :], entries[: count - copies]
    rng = random.Random(seed)
    for k, original in enumerate(rng.sample(news[: count - copies], copies)):
        lead = truncated_copy(original.text, 0.4)
        url = f"https://rewrites.example/story/{original.index}"
        rewrite = Entry(
            url=url,
            title="Report: " + original.title,
            text=f"{lead}\n\n{truncated_copy(filler[k].text, 0.5)}",
            guid=url,
            published=original.published + timedelta(hours=3),
        )
        at = next(i for i, e in enumerate(entries) if e.guid == original.url) + 1
        entries.insert(at + rng.randrange(0, 20), rewrite)
    return entries, warmup


# --------------------------------------------------------------------------- measuring
@dataclass
class Step:
    stored: int
    load_seconds: float
    ms_p50: float
    ms_p95: float
    ms_mean: float
    sql_ms_p50: float
    sql_ms_p95: float
    extract_ms_p50: float
    statements_per_article: float
    decisions: dict[str, int]
    alerts_queued: int
    sql_by_kind: dict[str, dict[str, float]]
    ratio_p50: float = 1.0
    ratio_p95: float = 1.0
    # the rewrite check (ordered sentence alignment of candidates under the containment
    # threshold): ms per article over all articles, and over those it ran for
    rewrite_ms_p50: float = 0.0
    rewrite_ms_p95: float = 0.0
    rewrite_checked: int = 0
    rewrite_ms_p50_checked: float = 0.0
    rewrite_ms_p95_checked: float = 0.0


def statement_kind(statement: str) -> str:
    """A short name for a statement: its table and the columns it filters on."""
    words = " ".join(statement.split())
    if words.startswith("WITH ranked"):
        return "shingle candidates (capped)"
    if " WHERE " in words and words.startswith("SELECT"):
        table = words.split(" FROM ", 1)[1].split(" ", 1)[0] if " FROM " in words else "?"
        where = words.split(" WHERE ", 1)[1]
        columns = [w.strip("()") for w in where.split() if "." in w and "%" not in w][:3]
        return f"SELECT {table} WHERE {' '.join(columns)}"[:90]
    return words.split("(", 1)[0][:60]


class SqlClock:
    """Time spent in cursor.execute, and statements sent, per article (and by kind)."""

    def __init__(self, store: Store) -> None:
        self.ms = 0.0
        self.statements = 0
        self.by_kind: dict[str, list[float]] = {}
        self._started: list[float] = []
        event.listen(store.engine, "before_cursor_execute", self._before)
        event.listen(store.engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        elapsed = (time.perf_counter() - self._started.pop()) * 1000
        self.ms += elapsed
        self.statements += 1
        kind = self.by_kind.setdefault(statement_kind(statement), [0.0, 0])
        kind[0] += elapsed
        kind[1] += 1

    def reset(self) -> None:
        self.ms, self.statements = 0.0, 0


class ExtractClock:
    """Time in the shipped extractor (CPU only, no database): a control for machine noise."""

    def __init__(self, model: str) -> None:
        from pipeline.extraction import default_extractor

        extractor = default_extractor(model)  # the instance process() passes to analyze()
        inner = extractor.extract
        self.ms = 0.0

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.ms += (time.perf_counter() - started) * 1000

        extractor.extract = timed  # type: ignore[method-assign]


class RewriteClock:
    """Time in the rewrite check (dedupe.best_rewrite), per article."""

    def __init__(self) -> None:
        inner = dedupe.best_rewrite
        self.ms, self.calls = 0.0, 0

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.ms += (time.perf_counter() - started) * 1000
                self.calls += 1

        dedupe.best_rewrite = timed  # type: ignore[assignment]
        self._inner = inner

    def close(self) -> None:
        dedupe.best_rewrite = self._inner  # type: ignore[assignment]


def process(store: Store, entry: Entry, rules: Any, settings: Any, feed_id: int) -> Any:
    """The per-entry pipeline path: analyze, then store under the dedupe lock."""
    from pipeline.extraction import default_extractor

    analysis = analyze(entry, store, rules, default_extractor(settings.spacy_model))
    return store_analysis(store, analysis, feed_id=feed_id, rules=rules)


def measure(
    store: Store, conninfo: str, n: int, entries: list[Entry], warmup: list[Entry]
) -> tuple[Any, ...]:
    settings = load_settings({"DATABASE_URL": store.engine.url.render_as_string(False)})
    rules = load_rules(settings.alerts_file)
    feed_id = store.ensure_feed("https://bench-scale.example/rss", "bench_scale")["id"]
    dedupe.clear_caches()
    for entry in warmup:  # model loaded, pool and plan caches warm; not timed
        process(store, entry, rules, settings, feed_id)
    clock = SqlClock(store)
    extraction = ExtractClock(settings.spacy_model)
    rewrites = RewriteClock()
    times, sql, statements, extract, rewrite_ms, checked = [], [], [], [], [], []
    decisions: dict[str, int] = {}
    queued_total = 0
    for number, entry in enumerate(entries, start=1):
        clock.reset()
        extraction.ms = 0.0
        rewrites.ms, rewrites.calls = 0.0, 0
        started = time.perf_counter()
        article_id, queued, analysis = process(store, entry, rules, settings, feed_id)
        times.append((time.perf_counter() - started) * 1000)
        rewrite_ms.append(rewrites.ms)
        if rewrites.calls:
            checked.append(rewrites.ms)
        sql.append(clock.ms)
        extract.append(extraction.ms)
        statements.append(clock.statements)
        status = analysis.decision.status if article_id is not None else "not stored"
        decisions[status] = decisions.get(status, 0) + 1
        queued_total += queued
        if number % 50 == 0:
            progress(f"  {number}/{len(entries)} articles, p50 {percentile(times, 0.5):.1f} ms")
    rewrites.close()
    with psycopg.connect(conninfo, autocommit=True) as conn:  # back to the corpus alone
        conn.execute("DELETE FROM articles WHERE id > %s", (n,))
        conn.execute(
            "DELETE FROM incidents WHERE id NOT IN (SELECT incident_id FROM incident_events)"
        )
    by_kind = {
        kind: {"ms_per_article": round(ms / len(entries), 3), "per_article": count / len(entries)}
        for kind, (ms, count) in sorted(clock.by_kind.items(), key=lambda item: -item[1][0])
    }
    return times, sql, statements, extract, decisions, queued_total, by_kind, rewrite_ms, checked


# --------------------------------------------------------------------------- reporting
def progress(message: str, end: str = "\n") -> None:
    print(message, end=end, file=sys.stderr, flush=True)


def table(steps: list[Step]) -> str:
    header = (
        "stored | ms/article p50 | p95 | ratio p50 / p95 | SQL ms p50 / p95 | "
        "extraction ms p50 | statements/article | rewrite check ms p50 / p95 (checked: n, "
        "p50 / p95)"
    )
    lines = [header, "-" * len(header)]
    for s in steps:
        lines.append(
            f"{s.stored:,} | {s.ms_p50:.1f} | {s.ms_p95:.1f} | "
            f"{s.ratio_p50:.2f}x / {s.ratio_p95:.2f}x | {s.sql_ms_p50:.1f} / {s.sql_ms_p95:.1f} | "
            f"{s.extract_ms_p50:.1f} | {s.statements_per_article:.1f} | "
            f"{s.rewrite_ms_p50:.2f} / {s.rewrite_ms_p95:.2f} ({s.rewrite_checked}: "
            f"{s.rewrite_ms_p50_checked:.2f} / {s.rewrite_ms_p95_checked:.2f})"
        )
    return "\n".join(lines)


def write_results(
    output: Path, args: argparse.Namespace, articles: int, steps: list[Step], started: float
) -> None:
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "articles": articles,
        "seed": args.seed,
        "corpus_seed": args.corpus_seed,
        "total_seconds": round(time.perf_counter() - started, 1),
        "environment": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
        },
        "table": table(steps),
        "steps": [asdict(step) for step in steps],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000", help="ascending stored articles")
    parser.add_argument(
        "--million", action="store_true", help="add the 1,000,000 step (loading takes ~30 min)"
    )
    parser.add_argument("--articles", type=int, default=200, help="the fixed set's size")
    parser.add_argument(
        "--database-url", default=DEFAULT_ADMIN_URL, help="admin URL (creates the bench DB)"
    )
    parser.add_argument("--db-name", default=None, help="name of the bench database to create")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--corpus-seed", type=int, default=20261122, help="bench_dedupe's seed")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="loader processes")
    parser.add_argument("--output", type=Path, default=None, help="JSON path")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if args.million and 1_000_000 not in args.sizes:
        args.sizes.append(1_000_000)
    if args.sizes != sorted(set(args.sizes)):
        parser.error("--sizes must be ascending")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still drop the database
    started = time.perf_counter()
    name = args.db_name or f"bench_scale_{datetime.now(UTC):%Y%m%d%H%M%S}"
    admin_execute(args.database_url, f'CREATE DATABASE "{name}"')
    url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    conninfo = conninfo_of(url)
    progress(f"database {name} created")
    entries, warmup = article_set(args.articles, args.seed, args.corpus_seed)
    output = args.output or RESULTS / f"scale-{date.today().isoformat()}.json"
    steps: list[Step] = []
    store: Store | None = None
    try:
        store = Store.from_url(url)
        for number in range(1, FEEDS + 1):  # the corpus's feeds (ids 1..FEEDS)
            store.ensure_feed(f"https://feed{number}.example/rss", f"Feed {number}")
        loaded = 0
        for n in args.sizes:
            load_seconds = 0.0
            if n > loaded:
                load_seconds = grow(args, store, conninfo, loaded, n)
            loaded = n
            progress(f"== {n:,} stored: processing {len(entries)} articles")
            times, sql, statements, extract, decisions, queued, by_kind, rewrite_ms, checked = (
                measure(store, conninfo, n, entries, warmup)
            )
            steps.append(
                Step(
                    stored=n,
                    load_seconds=round(load_seconds, 1),
                    ms_p50=round(percentile(times, 0.5), 2),
                    ms_p95=round(percentile(times, 0.95), 2),
                    ms_mean=round(sum(times) / len(times), 2),
                    sql_ms_p50=round(percentile(sql, 0.5), 2),
                    sql_ms_p95=round(percentile(sql, 0.95), 2),
                    extract_ms_p50=round(percentile(extract, 0.5), 2),
                    statements_per_article=round(sum(statements) / len(statements), 1),
                    decisions=decisions,
                    alerts_queued=queued,
                    sql_by_kind=by_kind,
                    rewrite_ms_p50=round(percentile(rewrite_ms, 0.5), 3),
                    rewrite_ms_p95=round(percentile(rewrite_ms, 0.95), 3),
                    rewrite_checked=len(checked),
                    rewrite_ms_p50_checked=round(percentile(checked, 0.5), 3) if checked else 0.0,
                    rewrite_ms_p95_checked=round(percentile(checked, 0.95), 3) if checked else 0.0,
                )
            )
            for step in steps:
                step.ratio_p50 = round(step.ms_p50 / steps[0].ms_p50, 2)
                step.ratio_p95 = round(step.ms_p95 / steps[0].ms_p95, 2)
            progress(table(steps[-1:]))
            for kind, figures in list(by_kind.items())[:6]:
                progress(f"  {figures['ms_per_article']:6.2f} ms/article  {kind}")
            write_results(output, args, len(entries), steps, started)  # after every size
        print(table(steps))
        progress(f"\nwrote {output} (total {time.perf_counter() - started:.0f}s)")
    finally:
        if store is not None:
            store.engine.dispose()
        if not args.keep:
            admin_execute(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            progress(f"database {name} dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
