"""Benchmark near-duplicate detection (`pipeline.dedupe` + `pipeline.store`) on Postgres.

Usage: .venv/bin/python bench/bench_dedupe.py [--sizes 10000,100000,1000000] [--queries 500]
       [--database-url ADMIN_URL] [--keep] [--probe-modulus 16]
       [--measure-only --db-name NAME --query-seed N]

For each size N (growing one fresh database 10k -> 100k -> 1M) it bulk-loads synthetic
articles with COPY (rows identical to `Store.insert_article`'s, checked at start), then
times the real `Store.insert_article`, `dedupe.decide` and `Store.shingle_candidates`,
measures bytes per article and recall of truncated / wrapped copies. See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import multiprocessing
import os
import platform
import random
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from dedupe_corpus import Article, Vocabulary, make_article, truncated_copy, wrapped_copy  # noqa: E402

from pipeline import dedupe  # noqa: E402
from pipeline.dedupe import Fingerprint  # noqa: E402
from pipeline.models import DuplicateDecision  # noqa: E402
from pipeline.schema import shingles  # noqa: E402
from pipeline.store import KnownArticle, Store  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = BENCH / "results"
NEW = DuplicateDecision("new")  # what decide() says of an original; stored with its shingles
ARTICLE_COLUMNS = (
    "id", "canonical_url", "url", "guid", "feed_id", "title", "published_at", "fetched_at",
    "text", "content_hash", "source", "duplicate_of", "dup_status", "dup_method", "dup_score",
    "dup_detail",
)  # fmt: skip
CHUNK = 1000
WARMUP = 20
QUERY_KINDS = ("fresh", "truncated", "wrapped")


# --------------------------------------------------------------------------- rows / COPY
def insert_fields(article: Article, fingerprint: Fingerprint) -> dict[str, Any]:
    """Keyword arguments for `Store.insert_article` (less conn, decision, sample)."""
    return {
        "canonical_url": dedupe.canonical_url(article.url),
        "url": article.url,
        "guid": article.url,
        "feed_id": None,
        "title": article.title,
        "published_at": article.published,
        "text": article.text,
        "content_hash": fingerprint.content_hash,
        "source": "feed",
    }


def article_row(article_id: int, fields: dict[str, Any], fetched_at: datetime) -> tuple[Any, ...]:
    """The `articles` row `Store.insert_article` writes for a new original, in COPY order."""
    detail = json.dumps(NEW.detail) if NEW.detail else None
    values = {
        **fields,
        "id": article_id,
        "fetched_at": fetched_at,
        "duplicate_of": NEW.of_article_id,
        "dup_status": NEW.status,
        "dup_method": NEW.method,
        "dup_score": NEW.score,
        "dup_detail": detail,
    }
    return tuple(values[column] for column in ARTICLE_COLUMNS)


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
    return repr(value) if isinstance(value, float) else str(value)


def copy_rows(
    conn: psycopg.Connection[Any], rows: Iterable[tuple[tuple[Any, ...], Sequence[int]]]
) -> int:
    """COPY articles and their sampled shingles (text format); returns shingle rows written."""
    article_buf, shingle_buf = io.StringIO(), io.StringIO()
    count = 0
    for row, sample in rows:
        article_buf.write("\t".join(_copy_value(v) for v in row) + "\n")
        article_id = row[0]
        for h in sorted(set(sample)):  # exactly the rows insert_article writes
            shingle_buf.write(f"{h}\t{article_id}\n")
            count += 1
    with conn.cursor() as cur:
        with cur.copy(f"COPY articles ({', '.join(ARTICLE_COLUMNS)}) FROM STDIN") as copy:
            copy.write(article_buf.getvalue())
        with cur.copy("COPY shingles (hash, article_id) FROM STDIN") as copy:
            copy.write(shingle_buf.getvalue())
    return count


_WORKER: dict[str, Any] = {}


def _init_worker(conninfo: str, seed: int, boilerplate: bool) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    conn = psycopg.connect(conninfo)
    # Skip the FK triggers while bulk loading rows that are valid by construction.
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    conn.commit()
    _WORKER.update(conn=conn, vocab=Vocabulary(seed, boilerplate), seed=seed)


def _load_chunk(bounds: tuple[int, int]) -> tuple[int, int]:
    """Generate, fingerprint and COPY corpus articles [start, stop) with ids start+1.."""
    start, stop = bounds
    vocab, seed, conn = _WORKER["vocab"], _WORKER["seed"], _WORKER["conn"]
    now = datetime.now(UTC)
    rows = []
    for index in range(start, stop):
        article = make_article(vocab, seed, "corpus", index)
        fingerprint = Fingerprint.of(article.text)
        fields = insert_fields(article, fingerprint)
        rows.append((article_row(index + 1, fields, now), fingerprint.index_sample))
    written = copy_rows(conn, rows)
    conn.commit()
    return stop - start, written


# --------------------------------------------------------------------------- database admin
def conninfo_of(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def admin_execute(admin_url: str, *statements: str) -> None:
    with psycopg.connect(conninfo_of(admin_url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def secondary_indexes(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str, bool]]:
    """(name, table, definition, is_constraint) of every index but pk_articles (FK target)."""
    constraints = conn.execute(
        "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid IN ('articles'::regclass, 'shingles'::regclass) "
        "AND contype IN ('p', 'u') AND conname <> 'pk_articles'"
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexname, tablename, indexdef FROM pg_indexes "
        "WHERE tablename IN ('articles', 'shingles') "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
    ).fetchall()
    found = [(n, t, d, True) for n, t, d in constraints] + [(n, t, d, False) for n, t, d in indexes]
    return sorted(found, key=lambda item: (item[1] != "shingles", item[0]))


def index_snapshot(conninfo: str) -> list[tuple[str, str]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('articles', 'shingles') ORDER BY indexname"
        ).fetchall()


def drop_indexes(conninfo: str) -> list[tuple[str, str, str, bool]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        saved = secondary_indexes(conn)
        for name, table, _, is_constraint in saved:
            if is_constraint:
                conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            else:
                conn.execute(f"DROP INDEX {name}")
    return saved


def create_indexes(
    conninfo: str, saved: list[tuple[str, str, str, bool]], log: Callable[[str], None]
) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for name, table, definition, is_constraint in saved:
            started = time.perf_counter()
            if is_constraint:
                conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            else:
                conn.execute(definition)
            log(f"  built {name} in {time.perf_counter() - started:.1f}s")


def vacuum(conninfo: str, analyze: bool) -> None:
    option = "(ANALYZE)" if analyze else ""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"VACUUM {option} articles, shingles")


def set_sequence(conninfo: str, value: int) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('articles', 'id'), %s, %s)",
            (max(value, 1), value > 0),
        )


# --------------------------------------------------------------------------- loading
def bulk_load(
    conninfo: str, seed: int, boilerplate: bool, start: int, stop: int, workers: int
) -> tuple[int, float]:
    """Load corpus articles [start, stop) in parallel; returns (shingle rows, seconds)."""
    chunks = [(i, min(i + CHUNK, stop)) for i in range(start, stop, CHUNK)]
    started = time.perf_counter()
    done = rows = 0
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, _init_worker, (conninfo, seed, boilerplate)) as pool:
        for loaded, written in pool.imap_unordered(_load_chunk, chunks):
            done += loaded
            rows += written
            elapsed = time.perf_counter() - started
            rate = done / elapsed
            eta = (stop - start - done) / rate if rate else 0.0
            progress(
                f"\r  loading {start + done:>9,}/{stop:,} articles  {rows:>11,} shingle rows  "
                f"{rate:,.0f} articles/s  eta {eta:4.0f}s",
                end="",
            )
    progress("")
    return rows, time.perf_counter() - started


def verify_loader(store: Store, conninfo: str, vocab: Vocabulary, seed: int) -> None:
    """Write one article through Store.insert_article and one through COPY; compare rows."""
    article = make_article(vocab, seed, "verify", 0)
    fingerprint = Fingerprint.of(article.text)
    fields = insert_fields(article, fingerprint)
    with store.transaction() as conn:
        article_id = store.insert_article(
            conn, **fields, decision=NEW, shingle_sample=fingerprint.index_sample
        )
    assert article_id is not None
    via_store = _stored(conninfo, article_id)
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM articles WHERE id = %s", (article_id,))
        copy_rows(
            conn, [(article_row(article_id, fields, datetime.now(UTC)), fingerprint.index_sample)]
        )
        conn.commit()
    via_copy = _stored(conninfo, article_id)
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM articles WHERE id = %s", (article_id,))
    if via_store != via_copy:
        raise SystemExit(f"loader rows differ from Store.insert_article:\n{via_store}\n{via_copy}")
    progress(
        f"loader check: COPY rows == Store.insert_article rows ({len(via_store['shingles'])} shingles)"
    )


def _stored(conninfo: str, article_id: int) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        cur = conn.execute("SELECT * FROM articles WHERE id = %s", (article_id,))
        names = [d.name for d in cur.description or []]
        row = dict(zip(names, cur.fetchone() or (), strict=True))
        row.pop("fetched_at")
        row["shingles"] = [
            h for (h,) in conn.execute(
                "SELECT hash FROM shingles WHERE article_id = %s ORDER BY hash", (article_id,)
            )
        ]  # fmt: skip
    return row


# --------------------------------------------------------------------------- variant store
class CappedCandidatesStore(Store):
    """Variant: the store's own candidate query with another frequency cap."""

    def __init__(self, engine: Any, cap: int) -> None:
        super().__init__(engine)
        self.cap = cap

    def shingle_candidates(
        self, sample: Iterable[int], limit: int = 5, max_postings: int | None = None
    ) -> list[KnownArticle]:
        return super().shingle_candidates(sample, limit, self.cap)


def candidate_ids_query(hashes: Sequence[int], limit: int | None = None) -> Any:
    """The GROUP BY query inside Store.shingle_candidates, without the text load."""
    shared = func.count().label("shared")
    return (
        select(shingles.c.article_id, shared)
        .where(shingles.c.hash.in_(list(set(hashes))))
        .group_by(shingles.c.article_id)
        .order_by(shared.desc(), shingles.c.article_id)
        .limit(limit or dedupe.config().candidates)
    )


# --------------------------------------------------------------------------- measuring
@dataclass
class Query:
    kind: str
    fingerprint: Fingerprint
    url_key: str
    expected_id: int | None

    @property
    def probe(self) -> list[int]:
        return dedupe.probe_hashes(self.fingerprint)


@dataclass
class Timings:
    ids_ms: list[float] = field(default_factory=list)
    candidates_ms: list[float] = field(default_factory=list)
    decide_ms: list[float] = field(default_factory=list)
    lookups_ms: list[float] = field(default_factory=list)
    compare_ms: list[float] = field(default_factory=list)
    postings: list[int] = field(default_factory=list)
    outcomes: dict[str, list[bool]] = field(default_factory=dict)


def make_queries(
    vocab: Vocabulary, seed: int, n: int, count: int, query_seed: int | None = None
) -> list[Query]:
    """A third fresh texts, a third first-40% copies, a third copies inside other pages.

    `seed` is the corpus' (copies are of stored articles); another `query_seed` draws
    other queries, e.g. to re-measure a kept database on texts it has not seen."""
    query_seed = seed if query_seed is None else query_seed
    fresh = f"fresh{n}" if query_seed == seed else f"fresh{n}-{query_seed}"
    queries = []
    for q in range(count):
        kind = QUERY_KINDS[q % 3]
        rng = random.Random(f"{query_seed}:query:{n}:{q}")
        url_key = dedupe.canonical_url(f"https://syndicator{q % 37}.example/story/{n}-{q}")
        if kind == "fresh":
            body, expected = make_article(vocab, seed, fresh, q).text, None
        else:
            index = rng.randrange(n)
            original = make_article(vocab, seed, "corpus", index).text
            body = (
                truncated_copy(original)
                if kind == "truncated"
                else wrapped_copy(vocab, original, rng)
            )
            expected = index + 1
        queries.append(Query(kind, Fingerprint.of(body), url_key, expected))
    return queries


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def measure_queries(
    store: Store, queries: list[Query], warmup: list[Query], label: str, baseline: bool
) -> Timings:
    """Time decide() and the candidate query for every query; record whether it was right.

    `warmup` queries (other texts) are run first, untimed, so that timed queries find
    the connection pool and caches as a running pipeline would, but not their own pages."""
    timings = Timings(outcomes={kind: [] for kind in QUERY_KINDS})
    for query in warmup:
        dedupe.decide(query.fingerprint, query.url_key, store)
    for i, query in enumerate(queries):
        probe = query.probe
        # The store's query runs first, on pages no other step of this query has read.
        limit = dedupe.config().candidates
        ms, found = timed(
            lambda probe=probe, limit=limit: store.shingle_candidates(probe, limit=limit)
        )
        timings.candidates_ms.append(ms)
        if baseline:
            with store.engine.connect() as conn:
                ms, _ = timed(
                    lambda conn=conn, probe=probe: conn.execute(candidate_ids_query(probe)).all()
                )
                timings.ids_ms.append(ms)
                timings.postings.append(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM shingles WHERE hash = ANY(CAST(:h AS BIGINT[]))"
                        ),
                        {"h": sorted(set(probe))},
                    ).scalar_one()
                )
        if baseline:  # the other parts of decide(), timed alone
            ms, _ = timed(
                lambda q=query: (
                    store.find_by_url(q.url_key),
                    store.find_by_hash(q.fingerprint.content_hash),
                )
            )
            timings.lookups_ms.append(ms)
            ms, _ = timed(
                lambda q=query, found=found: [dedupe.compare(q.fingerprint, k) for k in found]
            )
            timings.compare_ms.append(ms)
        dedupe.clear_caches()  # compare() above shingled these candidates; decide() pays too
        ms, decision = timed(
            lambda query=query: dedupe.decide(query.fingerprint, query.url_key, store)
        )
        timings.decide_ms.append(ms)
        if query.expected_id is None:
            right = not decision.is_copy
        else:
            right = decision.is_copy and decision.of_article_id == query.expected_id
        timings.outcomes[query.kind].append(right)
        if (i + 1) % 100 == 0:
            progress(f"  {label}: {i + 1}/{len(queries)} queries")
    return timings


def measure_inserts(store: Store, vocab: Vocabulary, seed: int, n: int, count: int) -> list[float]:
    """Time single new articles through the real Store.insert_article, one transaction each."""
    prepared = []
    for i in range(count):
        article = make_article(vocab, seed, f"insert{n}", i)
        fingerprint = Fingerprint.of(article.text)
        prepared.append((insert_fields(article, fingerprint), fingerprint.index_sample))
    latencies = []
    for fields, sample in prepared:
        started = time.perf_counter()
        with store.transaction() as conn:
            store.insert_article(conn, **fields, decision=NEW, shingle_sample=sample)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def relation_sizes(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT pg_table_size('articles'), pg_indexes_size('articles'), "
            "pg_table_size('shingles'), pg_indexes_size('shingles'), "
            "pg_total_relation_size('articles') + pg_total_relation_size('shingles'), "
            "(SELECT count(*) FROM shingles)"
        ).fetchone()
    assert row is not None
    keys = (
        "articles_table",
        "articles_indexes",
        "shingles_table",
        "shingles_indexes",
        "total",
        "shingle_rows",
    )
    return dict(zip(keys, (int(v) for v in row), strict=True))


def df_histogram(conninfo: str) -> list[dict[str, int]]:
    """How many sampled hashes, and postings, fall in each document-frequency band."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET LOCAL work_mem = '256MB'")
        conn.execute("SET LOCAL enable_hashagg = off")
        rows = conn.execute(
            """
            SELECT band, count(*), sum(df) FROM (
                SELECT df, CASE WHEN df = 1 THEN 1 WHEN df <= 10 THEN 10 WHEN df <= 100 THEN 100
                                WHEN df <= 1000 THEN 1000 WHEN df <= 10000 THEN 10000 ELSE 1000000 END AS band
                FROM (SELECT count(*) AS df FROM shingles GROUP BY hash) AS d
            ) AS b GROUP BY band ORDER BY band
            """
        ).fetchall()
    return [{"df_up_to": int(b), "hashes": int(h), "postings": int(p)} for b, h, p in rows]


def explain(store: Store, probe: Sequence[int]) -> str:
    compiled = candidate_ids_query(probe).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).all()
    return "\n".join(row[0] for row in rows)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.5), 2),
        "p95": round(percentile(values, 0.95), 2),
        "max": round(max(values), 2) if values else float("nan"),
    }


def quality(timings: Timings) -> dict[str, Any]:
    copies = timings.outcomes["truncated"] + timings.outcomes["wrapped"]
    fresh = timings.outcomes["fresh"]
    return {
        "copy_recall": round(sum(copies) / len(copies), 4) if copies else None,
        "truncated_recall": _share(timings.outcomes["truncated"]),
        "wrapped_recall": _share(timings.outcomes["wrapped"]),
        "false_matches": len(fresh) - sum(fresh),
        "fresh": len(fresh),
    }


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


# --------------------------------------------------------------------------- one size
@dataclass
class StageResult:
    n: int
    load_seconds: float
    insert_ms: dict[str, float]
    decide_ms: dict[str, float]
    index_query_ms: dict[str, float]
    ids_only_ms: dict[str, float]
    bytes_per_article: float
    sizes: dict[str, int]
    quality: dict[str, Any]
    probe_postings: dict[str, float]
    slowest_query: dict[str, Any]
    df_histogram: list[dict[str, int]] | None
    decide_parts_ms: dict[str, dict[str, float]]
    variants: list[dict[str, Any]]


def load_stage(args: argparse.Namespace, store: Store, conninfo: str, loaded: int, n: int) -> float:
    """Grow the database from `loaded` to `n` articles; returns seconds until it is ready."""
    progress(f"\n== N = {n:,}: loading {n - loaded:,} more articles with {args.workers} workers")
    started = time.perf_counter()
    before = index_snapshot(conninfo)
    store.engine.dispose()
    saved = drop_indexes(conninfo)
    rows, load_s = bulk_load(conninfo, args.seed, not args.no_boilerplate, loaded, n, args.workers)
    set_sequence(conninfo, n)
    progress(f"  COPY done in {load_s:.0f}s ({rows:,} shingle rows); vacuum, indexes, analyze")
    vacuum(conninfo, analyze=False)
    create_indexes(conninfo, saved, progress)
    if index_snapshot(conninfo) != before:
        raise SystemExit("recreated indexes differ from the migrated schema")
    vacuum(conninfo, analyze=True)
    load_seconds = time.perf_counter() - started
    progress(f"  ready in {load_seconds:.0f}s")
    return load_seconds


def run_stage(
    args: argparse.Namespace, store: Store, conninfo: str, loaded: int, n: int
) -> StageResult:
    vocab = Vocabulary(args.seed, not args.no_boilerplate)
    if args.measure_only:
        progress(f"\n== N = {n:,}: measuring the existing database (no loading)")
        load_seconds = 0.0
    else:
        load_seconds = load_stage(args, store, conninfo, loaded, n)
    with psycopg.connect(conninfo) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()
    if stored is None or stored[0] != n:
        raise SystemExit(f"expected {n:,} articles, found {stored}")

    sizes = relation_sizes(conninfo)
    histogram = None
    if n <= args.df_stats_max:
        histogram = df_histogram(conninfo)

    queries = make_queries(vocab, args.seed, n, args.queries + WARMUP, args.query_seed)
    queries, warmup = queries[: args.queries], queries[args.queries :]
    base = measure_queries(store, queries, warmup, "baseline", baseline=True)
    slowest = max(range(len(queries)), key=lambda i: base.ids_ms[i])
    plan = explain(store, queries[slowest].probe)
    variants = {}
    for cap in args.cap:
        capped = measure_queries(
            CappedCandidatesStore(store.engine, cap), queries, [], f"capped({cap})", baseline=False
        )
        variants[f"CappedCandidatesStore(cap={cap})"] = capped

    progress(f"  timing {args.inserts} inserts through Store.insert_article")
    inserts = measure_inserts(store, vocab, args.seed, n, args.inserts)
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM articles WHERE id > %s", (n,))
    set_sequence(conninfo, n)

    return StageResult(
        n=n,
        load_seconds=round(load_seconds, 1),
        insert_ms=summary(inserts),
        decide_ms=summary(base.decide_ms),
        index_query_ms=summary(base.candidates_ms),
        ids_only_ms=summary(base.ids_ms),
        bytes_per_article=round(sizes["total"] / n, 1),
        sizes=sizes,
        quality=quality(base),
        probe_postings={
            "mean": round(sum(base.postings) / len(base.postings), 1),
            "p50": percentile(base.postings, 0.5),
            "p95": percentile(base.postings, 0.95),
            "max": max(base.postings),
            "mean_probe_hashes": round(sum(len(q.probe) for q in queries) / len(queries), 1),
        },
        slowest_query={
            "kind": queries[slowest].kind,
            "ids_ms": round(base.ids_ms[slowest], 2),
            "probe_hashes": len(queries[slowest].probe),
            "postings": base.postings[slowest],
            "explain": plan,
        },
        df_histogram=histogram,
        decide_parts_ms={
            "find_by_url+find_by_hash": summary(base.lookups_ms),
            "shingle_candidates": summary(base.candidates_ms),
            "candidate GROUP BY only": summary(base.ids_ms),
            "compare() of candidates (Python)": summary(base.compare_ms),
        },
        variants=[
            {
                "name": name,
                "decide_ms": summary(v.decide_ms),
                "index_query_ms": summary(v.candidates_ms),
                "quality": quality(v),
            }
            for name, v in variants.items()
        ],
    )


# --------------------------------------------------------------------------- reporting
def progress(message: str, end: str = "\n") -> None:
    print(message, end=end, file=sys.stderr, flush=True)


def table(results: list[StageResult]) -> str:
    def pair(stats: dict[str, float]) -> str:
        return f"{stats['p50']:.1f} / {stats['p95']:.1f}"

    header = (
        "N | insert p50/p95 ms | decide p50/p95 ms | index query p50/p95 ms | bytes/article "
        "| copy recall | false matches"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        q = r.quality
        lines.append(
            f"{r.n:,} | {pair(r.insert_ms)} | {pair(r.decide_ms)} | {pair(r.index_query_ms)} | "
            f"{r.bytes_per_article:,.0f} | {q['copy_recall']:.1%} | {q['false_matches']}/{q['fresh']}"
        )
    lines += [
        "",
        "variant | N | decide p50/p95 ms | index query p50/p95 ms | copy recall | false matches",
    ]
    for r in results:
        for v in r.variants:
            q = v["quality"]
            lines.append(
                f"{v['name']} | {r.n:,} | {pair(v['decide_ms'])} | {pair(v['index_query_ms'])} | "
                f"{q['copy_recall']:.1%} | {q['false_matches']}/{q['fresh']}"
            )
    lines += ["", "N | decide part | p50/p95 ms"]
    for r in results:
        for part, stats in r.decide_parts_ms.items():
            lines.append(f"{r.n:,} | {part} | {pair(stats)}")
    lines += [
        "",
        "N | GROUP BY only p50/p95 ms | probe hashes | postings read p50/p95/max | load s",
    ]
    for r in results:
        p = r.probe_postings
        lines.append(
            f"{r.n:,} | {pair(r.ids_only_ms)} | {p['mean_probe_hashes']} | "
            f"{p['p50']:,.0f} / {p['p95']:,.0f} / {p['max']:,.0f} | {r.load_seconds:.0f}"
        )
    return "\n".join(lines)


def environment(conninfo: str) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("server_version", "shared_buffers", "work_mem", "effective_cache_size",
                         "random_page_cost", "synchronous_commit")
        }  # fmt: skip
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "postgres": settings,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="ascending article counts")
    parser.add_argument("--queries", type=int, default=500, help="decide() calls per size")
    parser.add_argument("--inserts", type=int, default=200, help="timed single inserts per size")
    parser.add_argument(
        "--database-url", default=DEFAULT_ADMIN_URL, help="admin URL (creates the bench DB)"
    )
    parser.add_argument("--db-name", default=None, help="name of the bench database to create")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="re-measure a kept --db-name holding exactly the last of --sizes (no load)",
    )
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--query-seed", type=int, default=None, help="draw other queries (default: --seed)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="loader processes")
    parser.add_argument(
        "--cap",
        default="",
        help="other frequency caps to compare (e.g. 30,1000); the store's is 100",
    )
    parser.add_argument(
        "--df-stats-max", type=int, default=1_000_000, help="df histogram up to this N"
    )
    parser.add_argument("--no-boilerplate", action="store_true", help="no stock phrases or footers")
    parser.add_argument(
        "--probe-modulus",
        type=int,
        default=None,
        help="look up hashes with hash %% M == 0 (default: config/dedupe.yaml's probe_modulus)",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON path (default bench/results/)"
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.cap = [int(c) for c in args.cap.split(",") if c]
    if args.measure_only and (not args.db_name or len(args.sizes) != 1):
        parser.error("--measure-only needs --db-name and a single --sizes value")
    if args.sizes != sorted(set(args.sizes)) or args.sizes[0] <= args.queries // 3:
        parser.error("--sizes must be ascending and larger than --queries / 3")
    return args


def use_probe_modulus(modulus: int | None) -> int:
    """Override config/dedupe.yaml's probe_modulus for this run; returns the one in use."""
    if modulus is not None:
        chosen = replace(dedupe.config(), probe_modulus=modulus)
        dedupe.config = lambda: chosen  # type: ignore[assignment]  # dedupe reads config()
    return dedupe.config().probe_modulus


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    probe_modulus = use_probe_modulus(args.probe_modulus)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still drop the database
    started = time.perf_counter()
    name = args.db_name or f"bench_dedupe_{datetime.now(UTC):%Y%m%d%H%M%S}"
    if not args.measure_only:
        admin_execute(args.database_url, f'CREATE DATABASE "{name}"')
    url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    conninfo = conninfo_of(url)
    progress(f"database {name} {'reused' if args.measure_only else 'created'}")
    store: Store | None = None
    try:
        store = Store.from_url(url)
        if not args.measure_only:
            vocab = Vocabulary(args.seed, not args.no_boilerplate)
            verify_loader(store, conninfo, vocab, args.seed)
        results: list[StageResult] = []
        loaded = 0
        for n in args.sizes:
            results.append(run_stage(args, store, conninfo, loaded, n))
            loaded = n
            progress(table(results[-1:]))
        report = table(results)
        print(report)
        largest = results[-1]
        progress(f"\nEXPLAIN ANALYZE of the slowest candidate query at N={largest.n:,}:")
        progress(largest.slowest_query["explain"])
        output = args.output or RESULTS / f"dedupe-{date.today().isoformat()}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "argv": sys.argv[1:],
            "seed": args.seed,
            "query_seed": args.query_seed,
            "probe_modulus": probe_modulus,
            "queries": args.queries,
            "boilerplate": not args.no_boilerplate,
            "total_seconds": round(time.perf_counter() - started, 1),
            "environment": environment(conninfo),
            "table": report,
            "results": [asdict(r) for r in results],
        }
        output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        progress(f"\nwrote {output} (total {payload['total_seconds']:.0f}s)")
    finally:
        if store is not None:
            store.engine.dispose()
        if not (args.keep or args.measure_only):
            admin_execute(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            progress(f"database {name} dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
