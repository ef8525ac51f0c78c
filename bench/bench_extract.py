"""Benchmark the extraction stage against a naive full-parse baseline.

Usage: .venv/bin/python bench/bench_extract.py [--articles 400] [--seed 1] [--repeat 1]
       [--profile auto|always|never]

On a generated mix of news (bench/templates.py: ~10% Afghanistan security news, the
rest world, business and sport) it times, per article, in one interleaved loop (the
order rotating per article and round, the fastest of ``--repeat`` rounds kept):

  (a) ``pipeline.extract.extract_events(text, published)``: the project's stage
      (article gate, then whatever sentence gating and parsing extract.py does now);
  (b) the naive baseline: the full spaCy pipeline (ner included) with the actor
      EntityRuler (token patterns) over every whole article, no gate.

Events of (a) are compared with a baseline extraction running extract.py's
per-sentence rules (``_sentence_events``) on every sentence of (b)'s doc. When (a)
misses the Afghanistan-only goal (>= 2x), or with ``--profile always``, cProfile
shows where (a) spends its time. Prints tables and writes
bench/results/extract-<date>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import json
import os
import platform
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from templates import Article, generate_articles  # noqa: E402

from pipeline import extract  # noqa: E402
from pipeline.models import Event  # noqa: E402

RESULTS = BENCH / "results"
GOAL_MIX = 10.0
GOAL_AFGHAN = 2.0
WARMUP_ARTICLES = 6
# Fields compared between (a) and the baseline; sentence_index is left out because
# (a) numbers only the sentences it parses.
COMPARED = (
    "category",
    "type",
    "actor",
    "target",
    "realis",
    "claim_status",
    "trigger",
    "location",
    "event_date",
)
Method = Callable[[Article], Any]


@dataclass
class Subset:
    """Throughput of one method on one group of articles, against (b)."""

    method: str
    subset: str
    articles: int
    words: int
    seconds: float
    per_s: float
    b_per_s: float
    speedup: float
    goal: float | None
    goal_met: bool | None


# --------------------------------------------------------------------------- baseline


def baseline_events(doc: Any, text: str, published: datetime) -> list[Event]:
    """extract.py's per-sentence rules on every sentence of the whole-article doc,
    plus its article-level post-processing when it has one."""
    found: list[Event] = []
    for index, sentence in enumerate(doc.sents):
        found.extend(extract._sentence_events(sentence, index, published))
    post = getattr(extract, "_with_context_place", None)
    if post is not None and len(inspect.signature(post).parameters) == 2:
        found = [post(event, text) for event in found]
    return found


# --------------------------------------------------------------------------- comparison


def _key(event: Event) -> tuple[Any, ...]:
    values = []
    for name in COMPARED:
        value = getattr(event, name)
        if name == "location" and value is not None:
            value = (value.name, value.district, value.province)
        values.append(value)
    return tuple(values)


def _overlap(a: Event, b: Event) -> bool:
    return a.evidence_start < b.evidence_end and b.evidence_start < a.evidence_end


def compare_events(
    article: Article, ours: list[Event], theirs: list[Event]
) -> tuple[int, list[dict[str, Any]]]:
    """Matched events and differences: same fields and overlapping evidence is a
    match; overlapping evidence of one category with other fields is a changed event."""
    left, right = list(ours), list(theirs)
    matched = 0
    for event in list(left):
        twin = next(
            (o for o in right if _key(o) == _key(event) and _overlap(o, event)),
            None,
        )
        if twin is not None:
            left.remove(event)
            right.remove(twin)
            matched += 1
    diffs: list[dict[str, Any]] = []
    for event in list(left):
        twin = next((o for o in right if o.category == event.category and _overlap(o, event)), None)
        if twin is None:
            continue
        left.remove(event)
        right.remove(twin)
        changed = {
            name: [_plain(getattr(event, name)), _plain(getattr(twin, name))]
            for name in COMPARED
            if _key_part(event, name) != _key_part(twin, name)
        }
        diffs.append(_diff(article, "changed", event, changed=changed))
    diffs += [_diff(article, "only_a", e) for e in left]
    diffs += [_diff(article, "only_baseline", e) for e in right]
    return matched, diffs


def _key_part(event: Event, name: str) -> Any:
    return _key(event)[COMPARED.index(name)]


def _plain(value: Any) -> Any:
    return value.name if hasattr(value, "district") else value


def _diff(article: Article, kind: str, event: Event, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "article": article.id,
        "topic": article.topic,
        "category": event.category,
        "type": event.type,
        "actor": event.actor,
        "realis": event.realis,
        "evidence": event.evidence[:200],
        "span": [event.evidence_start, event.evidence_end],
        **extra,
    }


# --------------------------------------------------------------------------- timing


def time_all(
    articles: Sequence[Article], methods: dict[str, Method], repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[Any]]]:
    """Seconds per article and method (the fastest of ``repeat`` rounds), all methods
    interleaved per article with a rotating order so machine load hits them alike;
    results are kept from the first round."""
    names = list(methods)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    results: dict[str, list[Any]] = {name: [] for name in names}
    for index, article in enumerate(articles):
        best = dict.fromkeys(names, float("inf"))
        for round_ in range(repeat):
            shift = (index + round_) % len(names)
            for name in names[shift:] + names[:shift]:
                result, spent = _timed(lambda name=name, article=article: methods[name](article))
                best[name] = min(best[name], spent)
                if round_ == 0:
                    results[name].append(result)
        for name in names:
            seconds[name].append(best[name])
    return seconds, results


def _best(run: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """The first result and the fastest of ``repeat`` runs."""
    result, best = _timed(run)
    for _ in range(repeat - 1):
        best = min(best, _timed(run)[1])
    return result, best


def _timed(run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def summarise(
    method: str,
    name: str,
    picks: Sequence[int],
    articles: Sequence[Article],
    seconds: dict[str, list[float]],
    goal: float | None,
) -> Subset:
    """Throughput of ``method`` on ``picks`` and its speed-up over (b)."""
    spent = sum(seconds[method][i] for i in picks)
    b_spent = sum(seconds["b"][i] for i in picks)
    speedup = b_spent / spent if spent else float("inf")
    return Subset(
        method=method,
        subset=name,
        articles=len(picks),
        words=sum(articles[i].words for i in picks),
        seconds=round(spent, 4),
        per_s=round(len(picks) / spent, 2) if spent else float("inf"),
        b_per_s=round(len(picks) / b_spent, 2) if b_spent else float("inf"),
        speedup=round(speedup, 2),
        goal=goal,
        goal_met=None if goal is None else speedup >= goal,
    )


def compare_all(
    articles: Sequence[Article], ours: Sequence[list[Event]], theirs: Sequence[list[Event]]
) -> tuple[int, list[dict[str, Any]]]:
    """compare_events over every article."""
    matched, diffs = 0, []
    for article, left, right in zip(articles, ours, theirs, strict=True):
        m, d = compare_events(article, left, right)
        matched, diffs = matched + m, diffs + d
    return matched, diffs


# --------------------------------------------------------------------------- gate and profile


def gate_stats(articles: Sequence[Article], sentences_b: Sequence[int]) -> dict[str, Any]:
    """How much text (a) lets through to the parser (computed untimed)."""
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    parsed_sentences = 0
    relevant_sentences_total = 0
    split = getattr(extract, "split_sentences", None)
    per_sentence = getattr(extract, "is_relevant_sentence", None)
    for article in articles:
        section = "afghanistan" if article.afghan else article.topic.split("/")[0]
        total[section] += 1
        if not extract.is_relevant(article.text):
            continue
        passed[section] += 1
        if split is not None and per_sentence is not None:
            spans = split(article.text[:100_000])
            relevant_sentences_total += len(spans)
            parsed_sentences += sum(1 for s, e in spans if per_sentence(article.text[s:e]))
    afghan_sentences = sum(n for art, n in zip(articles, sentences_b, strict=True) if art.afghan)
    return {
        "article_gate_passed": {k: f"{passed[k]}/{total[k]}" for k in sorted(total)},
        "sentence_gate": split is not None and per_sentence is not None,
        "sentences_in_passed_articles": relevant_sentences_total,
        "sentences_parsed_by_a": parsed_sentences,
        "sentences_parsed_by_baseline": sum(sentences_b),
        "sentences_parsed_by_baseline_afghan": afghan_sentences,
    }


def profile_a(articles: Sequence[Article], model: str, top: int = 18) -> dict[str, Any]:
    """cProfile of (a) over ``articles``: extract.py functions and the top callees."""
    profiler = cProfile.Profile()
    profiler.enable()
    for article in articles:
        extract.extract_events(article.text, article.published, model)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max((v[3] for k, v in raw.items() if k[2] == "extract_events"), default=0.0)
    ours = sorted(
        (
            {"function": k[2], "line": k[1], "calls": v[1], "cumulative_s": round(v[3], 4)}
            for k, v in raw.items()
            if k[0].endswith(os.path.join("pipeline", "extract.py"))
        ),
        key=lambda row: -row["cumulative_s"],
    )
    by_tottime = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    hot = [
        {
            "function": f"{Path(k[0]).name}:{k[1]}:{k[2]}",
            "calls": v[1],
            "own_s": round(v[2], 4),
            "cumulative_s": round(v[3], 4),
        }
        for k, v in by_tottime
    ]
    return {"total_s": round(total, 4), "extract_py": ours[:top], "hottest_by_own_time": hot}


def pipe_breakdown(nlp: Any, texts: Iterable[str]) -> dict[str, float]:
    """Seconds per pipeline component over whole texts (the baseline's cost)."""
    spent: Counter[str] = Counter()
    for text in texts:
        start = time.perf_counter()
        doc = nlp.make_doc(text)
        spent["tokenizer"] += time.perf_counter() - start
        for name, component in nlp.pipeline:
            start = time.perf_counter()
            doc = component(doc)
            spent[name] += time.perf_counter() - start
    return {k: round(v, 4) for k, v in spent.items()}


# --------------------------------------------------------------------------- what-if


def baseline_nlp(model: str) -> Any:
    """The naive pipeline: every statistical pipe (ner included) plus the actor
    EntityRuler with token patterns, as a first version would build it."""
    import spacy

    from pipeline.actors import default_actors

    nlp = spacy.load(model)
    ruler = nlp.add_pipe(
        "entity_ruler", name="actor_ruler", after="ner", config={"overwrite_ents": True}
    )
    ruler.add_patterns(default_actors().entity_ruler_patterns(include_generic=True, nlp=nlp))
    return nlp


def print_table(rows: Sequence[Subset], label: dict[str, str]) -> None:
    head = (
        f"{'method':<34}{'subset':<18}{'articles':>9}{'words':>9}{'art/s':>9}"
        f"{'(b) art/s':>11}{'speed-up':>10}{'goal':>7}{'met':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        goal = f">={r.goal:g}x" if r.goal else ""
        met = "" if r.goal_met is None else ("yes" if r.goal_met else "NO")
        print(
            f"{label[r.method]:<34}{r.subset:<18}{r.articles:>9}{r.words:>9}{r.per_s:>9.1f}"
            f"{r.b_per_s:>11.1f}{r.speedup:>9.2f}x{goal:>7}{met:>5}"
        )


def environment(nlp: Any, model: str) -> dict[str, Any]:
    import spacy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "spacy": spacy.__version__,
        "model": model,
        "model_meta": f"{nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}",
        "pipes": list(nlp.pipe_names),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def build_methods(nlp: Any, model: str) -> tuple[dict[str, Method], dict[str, str]]:
    """(a) the project's stage and (b) the naive full parse of every article."""

    def run_a(article: Article) -> list[Event]:
        return extract.extract_events(article.text, article.published, model)

    def run_b(article: Article) -> Any:
        return nlp(article.text)

    methods: dict[str, Method] = {"a": run_a, "b": run_b}
    label = {"a": "(a) extract_events", "b": "(b) full pipeline, every article"}
    return methods, label


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--afghan-share", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=1, help="timing rounds; min is kept")
    parser.add_argument("--model", default=extract.FALLBACK_MODELS[0])
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    articles = generate_articles(args.articles, args.seed, args.afghan_share)
    afghan = [i for i, a in enumerate(articles) if a.afghan]
    other = [i for i, a in enumerate(articles) if not a.afghan]
    everything = list(range(len(articles)))
    print(
        f"{len(articles)} articles ({len(afghan)} Afghanistan), "
        f"{sum(a.words for a in articles):,} words, seed {args.seed}, repeat {args.repeat}"
    )

    start = time.perf_counter()
    nlp = baseline_nlp(args.model)
    extract.load_nlp(args.model)
    methods, label = build_methods(nlp, args.model)
    for warm in generate_articles(WARMUP_ARTICLES, args.seed + 1000, afghan_share=0.5):
        for name, method in methods.items():
            result = method(warm)
            if name == "b":
                baseline_events(result, warm.text, warm.published)
    print(f"model loaded and warmed up in {time.perf_counter() - start:.1f}s")

    load_before = os.getloadavg()[0]
    seconds, results = time_all(articles, methods, args.repeat)
    docs = results["b"]
    events_b, rules_seconds = [], []
    for article, doc in zip(articles, docs, strict=True):
        found, spent = _best(
            lambda doc=doc, article=article: baseline_events(doc, article.text, article.published),
            args.repeat,
        )
        events_b.append(found)
        rules_seconds.append(spent)
    events_a = results["a"]

    rows = []
    for method in methods:
        if method == "b":
            continue
        rows += [
            summarise(method, "mix", everything, articles, seconds, GOAL_MIX),
            summarise(method, "afghanistan-only", afghan, articles, seconds, GOAL_AFGHAN),
            summarise(method, "other news", other, articles, seconds, None),
        ]
    print()
    print_table(rows, label)
    b_rules = {
        name: round(len(p) / sum(seconds["b"][i] + rules_seconds[i] for i in p), 2)
        for name, p in (("mix", everything), ("afghanistan-only", afghan))
    }
    print(f"(b) plus the rules on its doc, art/s: {b_rules}")

    matched, diffs = compare_all(articles, events_a, events_b)
    kinds = Counter(d["kind"] for d in diffs)
    count_a = sum(len(e) for e in events_a)
    count_b = sum(len(e) for e in events_b)
    afghan_a = sum(len(events_a[i]) for i in afghan)
    afghan_b = sum(len(events_b[i]) for i in afghan)
    by_subset = Counter(
        (d["kind"], "afghanistan" if d["topic"].startswith("afghanistan/") else "other news")
        for d in diffs
    )
    print(
        f"\nsame events? (a) {count_a}, baseline rules on full parse {count_b} "
        f"(Afghanistan-only: {afghan_a} vs {afghan_b}); identical {matched}, "
        f"changed {kinds['changed']}, only (a) {kinds['only_a']}, "
        f"only baseline {kinds['only_baseline']}"
    )
    for (kind, where), n in sorted(by_subset.items()):
        print(f"  {kind:<14} {where:<12} {n}")
    afghan_diffs = [d for d in diffs if d["topic"].startswith("afghanistan/")]
    for d in afghan_diffs[:10]:
        extra = f" {d['changed']}" if "changed" in d else ""
        print(
            f"  - [{d['kind']}] {d['article']} {d['type']} {d['actor']}{extra}: {d['evidence'][:100]}"
        )
    other_diffs = Counter(
        (d["kind"], d["topic"].split("/")[0], d["category"], d["actor"])
        for d in diffs
        if not d["topic"].startswith("afghanistan/")
    )
    for (kind, section, category, actor), n in other_diffs.most_common(6):
        print(f"  - [{kind}] {n} x {category} by {actor} in {section} news")

    variants: dict[str, Any] = {}
    for method in methods:
        if method in ("a", "b"):
            continue
        m_a, d_a = compare_all(articles, results[method], events_a)
        _, d_b = compare_all(articles, results[method], events_b)
        variants[method] = {
            "label": label[method],
            "events": sum(len(e) for e in results[method]),
            "identical_to_a": m_a,
            "differences_vs_a": dict(Counter(d["kind"] for d in d_a)),
            "differences_vs_baseline": dict(Counter(d["kind"] for d in d_b)),
            "examples_vs_a": d_a[:10],
        }
        print(
            f"  {label[method]}: events {variants[method]['events']}, differences vs (a): "
            f"{variants[method]['differences_vs_a'] or 'none'}"
        )

    gates = gate_stats(articles, [sum(1 for _ in doc.sents) for doc in docs])
    print(f"\ngate: {json.dumps(gates)}")
    del docs, results["b"]

    afghan_row = next(r for r in rows if r.method == "a" and r.subset == "afghanistan-only")
    profile: dict[str, Any] = {}
    breakdown: dict[str, float] | None = None
    if args.profile == "always" or (args.profile == "auto" and not afghan_row.goal_met):
        profile["afghanistan"] = profile_a([articles[i] for i in afghan], args.model)
        profile["other_news"] = profile_a([articles[i] for i in other], args.model)
        breakdown = pipe_breakdown(nlp, (articles[i].text for i in afghan))
        for name, found in profile.items():
            print(f"\ncProfile of (a) on {name} articles ({found['total_s']}s in extract_events):")
            for row in found["extract_py"][:10]:
                print(
                    f"  {row['cumulative_s']:>8.3f}s {row['calls']:>7}  extract.{row['function']}"
                )
            print("  hottest by own time:")
            for row in found["hottest_by_own_time"][:8]:
                print(f"  {row['own_s']:>8.3f}s {row['calls']:>7}  {row['function']}")
        total = sum(breakdown.values())
        shares = ", ".join(f"{k} {v / total:.0%}" for k, v in breakdown.items())
        print(f"\nbaseline pipeline time by component (Afghanistan-only, {total:.2f}s): {shares}")

    # batching whole articles: does nlp.pipe help the baseline?
    chosen = [articles[i].text for i in afghan]
    _, one_by_one = _best(lambda: [nlp(t) for t in chosen], args.repeat)
    _, piped = _best(lambda: list(nlp.pipe(chosen, batch_size=32)), args.repeat)
    batched = {
        "one_by_one_s": round(one_by_one, 4),
        "nlp_pipe_batch_32_s": round(piped, 4),
        "ratio": round(one_by_one / piped, 2),
    }
    print(f"\nwhole Afghan articles with nlp.pipe(batch_size=32) vs nlp(text): {batched['ratio']}x")

    report = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "environment": environment(nlp, args.model),
        "load_average_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "corpus": {
            "articles": len(articles),
            "afghanistan": len(afghan),
            "topics": dict(sorted(Counter(a.topic for a in articles).items())),
            "words": sum(a.words for a in articles),
        },
        "methods": label,
        "throughput": [asdict(r) for r in rows],
        "baseline_plus_rules_per_s": b_rules,
        "events": {
            "a": count_a,
            "baseline": count_b,
            "afghanistan_a": afghan_a,
            "afghanistan_baseline": afghan_b,
            "identical": matched,
            "differences": dict(kinds),
            "differences_by_subset": {f"{k}/{w}": n for (k, w), n in sorted(by_subset.items())},
            "compared_fields": list(COMPARED),
            "by_category_a": dict(Counter(e.category for ev in events_a for e in ev)),
            "by_category_baseline": dict(Counter(e.category for ev in events_b for e in ev)),
            "details": diffs,
        },
        "what_if_events": variants,
        "gate": gates,
        "profile_a": profile or None,
        "baseline_pipe_seconds_afghanistan": breakdown,
        "batched_baseline_afghanistan": batched,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"extract-{datetime.now(UTC).date().isoformat()}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
