"""Benchmark the extraction stage against a naive full-parse baseline.

Usage: .venv/bin/python bench/bench_extract.py [--articles 400] [--seed 1] [--repeat 1]
       [--profile auto|always|never]

On a generated mix of news (bench/templates.py: ~10% Afghanistan security news, the
rest world, business and sport) it times, per article, in one interleaved loop (the
order rotating per article and round, the fastest of ``--repeat`` rounds kept):

  (a) ``pipeline.extraction.default_extractor(model).extract(text, published)``: the
      project's stage (article gate, trigger-word sentence gate, parse without NER);
  (b) the naive baseline: the same rules with no gates and the full spaCy pipeline (ner
      included, plus the actor EntityRuler built as ``load_nlp`` builds it) on every
      sentence of every article: ``RuleExtractor(model, gated=False, nlp=baseline_nlp())``.
      That extractor still returns early, unparsed, on an article with no Afghan place
      or actor (``afghan_context``); the baseline then parses that article's sentences
      all the same, so every sentence of every article goes through the pipeline;
  (r) ``RuleExtractor(model, gated=False, nlp=baseline_nlp())`` alone, shown for
      reference (it skips the articles without Afghan context).

Events of (a) and (b) are compared (above all on the Afghanistan articles); a
difference is reported, not an error. When (a) misses the Afghanistan-only goal
(>= 2x), or with ``--profile always``, cProfile shows where (a) spends its time in
``pipeline/extraction/``. Prints tables and writes bench/results/extract-<date>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from templates import Article, generate_articles  # noqa: E402

from pipeline.extraction import RuleExtractor, default_extractor  # noqa: E402
from pipeline.extraction.extractor import (  # noqa: E402
    FALLBACK_MODELS,
    MAX_CHARS,
    is_relevant,
    load_nlp,
    split_sentences,
)
from pipeline.models import Event  # noqa: E402

RESULTS = BENCH / "results"
EXTRACTION_DIR = os.path.join("pipeline", "extraction") + os.sep
GOAL_MIX = 10.0
GOAL_AFGHAN = 2.0
WARMUP_ARTICLES = 6
# Fields compared between (a) and (b); both number every sentence of the article, so
# sentence_index is compared too. Evidence spans must overlap as well.
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
    "sentence_index",
    "control",
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


def baseline_nlp(model: str) -> Any:
    """The naive pipeline: the extractor's pipeline with every statistical pipe, ner
    included (``load_nlp`` leaves ner out)."""
    from pipeline.extraction.extractor import build_nlp

    return build_nlp(model, exclude=())


class CountingNLP:
    """A spaCy pipeline that counts the texts sent through ``pipe``."""

    def __init__(self, nlp: Any) -> None:
        self.inner = nlp
        self.texts = 0

    def pipe(self, texts: Iterable[str], **kwargs: Any) -> Iterator[Any]:
        def counted() -> Iterator[str]:
            for text in texts:
                self.texts += 1
                yield text

        return self.inner.pipe(counted(), **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class NaiveBaseline:
    """(b): ``RuleExtractor(gated=False)`` over the full pipeline, and a parse of every
    sentence of the articles that extractor leaves unread (no Afghan context)."""

    def __init__(self, model: str, nlp: Any) -> None:
        self.nlp = CountingNLP(nlp)
        self.rules = RuleExtractor(model, gated=False, nlp=self.nlp)
        self.unread = 0  # articles the rules skipped and the baseline parsed anyway

    def extract(self, text: str, published: datetime | None = None) -> list[Event]:
        before = self.nlp.texts
        events = self.rules.extract(text, published)
        if self.nlp.texts == before and text.strip():
            text = text[:MAX_CHARS]
            for _ in self.nlp.pipe(text[a:b] for a, b in split_sentences(text)):
                pass
            self.unread += 1
        return events


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


def compare_all(
    articles: Sequence[Article], ours: Sequence[list[Event]], theirs: Sequence[list[Event]]
) -> tuple[int, list[dict[str, Any]]]:
    """compare_events over every article."""
    matched, diffs = 0, []
    for article, left, right in zip(articles, ours, theirs, strict=True):
        m, d = compare_events(article, left, right)
        matched, diffs = matched + m, diffs + d
    return matched, diffs


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


# --------------------------------------------------------------------------- gate and profile


def gate_stats(articles: Sequence[Article], model: str) -> dict[str, Any]:
    """How much text (a) lets through to the parser (computed untimed, with an
    extractor built like the default one whose pipeline counts what it parses)."""
    counting = CountingNLP(load_nlp(model))
    gated = RuleExtractor(model, nlp=counting)
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    sentences: Counter[str] = Counter()
    parsed: Counter[str] = Counter()
    for article in articles:
        section = "afghanistan" if article.afghan else "other news"
        total[section] += 1
        sentences[section] += len(split_sentences(article.text[:MAX_CHARS]))
        if is_relevant(article.text):
            passed[section] += 1
        before = counting.texts
        gated.extract(article.text, article.published)
        parsed[section] += counting.texts - before
    return {
        "article_gate_passed": {k: f"{passed[k]}/{total[k]}" for k in sorted(total)},
        "sentences": dict(sorted(sentences.items())),
        "sentences_parsed_by_a": dict(sorted(parsed.items())),
    }


def profile_a(articles: Sequence[Article], model: str, top: int = 18) -> dict[str, Any]:
    """cProfile of (a) over ``articles``: pipeline/extraction functions and the top
    callees by own time."""
    extractor = default_extractor(model)
    profiler = cProfile.Profile()
    profiler.enable()
    for article in articles:
        extractor.extract(article.text, article.published)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(
        (v[3] for k, v in raw.items() if k[2] == "extract" and EXTRACTION_DIR in k[0]),
        default=0.0,
    )
    ours = sorted(
        (
            {
                "function": f"{Path(k[0]).stem}.{k[2]}",
                "line": k[1],
                "calls": v[1],
                "cumulative_s": round(v[3], 4),
            }
            for k, v in raw.items()
            if EXTRACTION_DIR in k[0]
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
    return {"total_s": round(total, 4), "extraction": ours[:top], "hottest_by_own_time": hot}


def pipe_breakdown(nlp: Any, texts: Iterable[str]) -> dict[str, float]:
    """Seconds per pipeline component over the sentences of ``texts`` (the baseline's
    cost)."""
    spent: Counter[str] = Counter()
    for text in texts:
        for a, b in split_sentences(text[:MAX_CHARS]):
            start = time.perf_counter()
            doc = nlp.make_doc(text[a:b])
            spent["tokenizer"] += time.perf_counter() - start
            for name, component in nlp.pipeline:
                start = time.perf_counter()
                doc = component(doc)
                spent[name] += time.perf_counter() - start
    return {k: round(v, 4) for k, v in spent.items()}


# --------------------------------------------------------------------------- output


def print_table(rows: Sequence[Subset], label: dict[str, str]) -> None:
    head = (
        f"{'method':<40}{'subset':<18}{'articles':>9}{'words':>9}{'art/s':>9}"
        f"{'(b) art/s':>11}{'speed-up':>10}{'goal':>7}{'met':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        goal = f">={r.goal:g}x" if r.goal else ""
        met = "" if r.goal_met is None else ("yes" if r.goal_met else "NO")
        print(
            f"{label[r.method]:<40}{r.subset:<18}{r.articles:>9}{r.words:>9}{r.per_s:>9.1f}"
            f"{r.b_per_s:>11.1f}{r.speedup:>9.2f}x{goal:>7}{met:>5}"
        )


def environment(nlp: Any, stage_nlp: Any, model: str) -> dict[str, Any]:
    import spacy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "spacy": spacy.__version__,
        "model": model,
        "model_meta": f"{nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}",
        "pipes_baseline": list(nlp.pipe_names),
        "pipes_stage": list(stage_nlp.pipe_names),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def build_methods(model: str, nlp: Any) -> tuple[dict[str, Method], dict[str, str], NaiveBaseline]:
    """(a) the project's stage, (b) the naive baseline and (r) its rules alone."""
    stage = default_extractor(model)
    naive = NaiveBaseline(model, nlp)
    rules_only = RuleExtractor(model, gated=False, nlp=nlp)

    def run_a(article: Article) -> list[Event]:
        return stage.extract(article.text, article.published)

    def run_b(article: Article) -> list[Event]:
        return naive.extract(article.text, article.published)

    def run_r(article: Article) -> list[Event]:
        return rules_only.extract(article.text, article.published)

    methods: dict[str, Method] = {"a": run_a, "b": run_b, "r": run_r}
    label = {
        "a": "(a) default_extractor().extract",
        "b": "(b) no gates, full pipeline, every sent.",
        "r": "(r) RuleExtractor(gated=False) alone",
    }
    return methods, label, naive


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--afghan-share", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=1, help="timing rounds; min is kept")
    parser.add_argument("--model", default=FALLBACK_MODELS[0])
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
    stage_nlp = load_nlp(args.model)
    methods, label, naive = build_methods(args.model, nlp)
    for warm in generate_articles(WARMUP_ARTICLES, args.seed + 1000, afghan_share=0.5):
        for method in methods.values():
            method(warm)
    print(f"models loaded and warmed up in {time.perf_counter() - start:.1f}s")

    load_before = os.getloadavg()[0]
    naive.unread = 0
    parsed_before = naive.nlp.texts
    seconds, results = time_all(articles, methods, args.repeat)
    baseline_sentences = (naive.nlp.texts - parsed_before) // args.repeat
    unread = naive.unread // args.repeat
    events_a, events_b = results["a"], results["b"]

    rows = []
    for method in ("a", "r"):
        rows += [
            summarise(
                method, "mix", everything, articles, seconds, GOAL_MIX if method == "a" else None
            ),
            summarise(
                method,
                "afghanistan-only",
                afghan,
                articles,
                seconds,
                GOAL_AFGHAN if method == "a" else None,
            ),
            summarise(method, "other news", other, articles, seconds, None),
        ]
    print()
    print_table(rows, label)
    over_r = {
        name: round(sum(seconds["r"][i] for i in p) / sum(seconds["a"][i] for i in p), 2)
        for name, p in (("mix", everything), ("afghanistan-only", afghan))
    }
    print(
        f"(b) parsed {baseline_sentences} sentences; {unread} of {len(articles)} articles "
        f"have no Afghan context, which (r) skips unparsed. (a) over (r): {over_r}"
    )

    matched, diffs = compare_all(articles, events_a, events_b)
    kinds = Counter(d["kind"] for d in diffs)
    count_a = sum(len(e) for e in events_a)
    count_b = sum(len(e) for e in events_b)
    afghan_a = sum(len(events_a[i]) for i in afghan)
    afghan_b = sum(len(events_b[i]) for i in afghan)
    afghan_matched, afghan_diffs = compare_all(
        [articles[i] for i in afghan], [events_a[i] for i in afghan], [events_b[i] for i in afghan]
    )
    afghan_kinds = Counter(d["kind"] for d in afghan_diffs)
    by_subset = Counter(
        (d["kind"], "afghanistan" if d["topic"].startswith("afghanistan/") else "other news")
        for d in diffs
    )
    print(
        f"\nsame events on the Afghanistan articles? (a) {afghan_a}, (b) {afghan_b}; "
        f"identical {afghan_matched}, changed {afghan_kinds['changed']}, "
        f"only (a) {afghan_kinds['only_a']}, only (b) {afghan_kinds['only_baseline']}"
    )
    print(
        f"all articles: (a) {count_a}, (b) {count_b}; identical {matched}, "
        f"changed {kinds['changed']}, only (a) {kinds['only_a']}, "
        f"only (b) {kinds['only_baseline']}"
    )
    for (kind, where), n in sorted(by_subset.items()):
        print(f"  {kind:<14} {where:<12} {n}")
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
    r_matched, r_diffs = compare_all(articles, results["r"], events_b)
    print(
        f"(r) events {sum(len(e) for e in results['r'])}, identical to (b) {r_matched}, "
        f"differences {dict(Counter(d['kind'] for d in r_diffs)) or 'none'}"
    )

    gates = gate_stats(articles, args.model)
    print(f"\ngate: {json.dumps(gates)}")

    afghan_row = next(r for r in rows if r.method == "a" and r.subset == "afghanistan-only")
    profile: dict[str, Any] = {}
    breakdown: dict[str, float] | None = None
    if args.profile == "always" or (args.profile == "auto" and not afghan_row.goal_met):
        profile["afghanistan"] = profile_a([articles[i] for i in afghan], args.model)
        profile["other_news"] = profile_a([articles[i] for i in other], args.model)
        breakdown = pipe_breakdown(nlp, (articles[i].text for i in afghan))
        for name, found in profile.items():
            print(f"\ncProfile of (a) on {name} articles ({found['total_s']}s in extract):")
            for row in found["extraction"][:10]:
                print(f"  {row['cumulative_s']:>8.3f}s {row['calls']:>7}  {row['function']}")
            print("  hottest by own time:")
            for row in found["hottest_by_own_time"][:8]:
                print(f"  {row['own_s']:>8.3f}s {row['calls']:>7}  {row['function']}")
        total = sum(breakdown.values())
        shares = ", ".join(f"{k} {v / total:.0%}" for k, v in breakdown.items())
        print(f"\nbaseline pipeline time by component (Afghanistan-only, {total:.2f}s): {shares}")

    report = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "environment": environment(nlp, stage_nlp, args.model),
        "load_average_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "corpus": {
            "articles": len(articles),
            "afghanistan": len(afghan),
            "topics": dict(sorted(Counter(a.topic for a in articles).items())),
            "words": sum(a.words for a in articles),
        },
        "methods": label,
        "throughput": [asdict(r) for r in rows],
        "speedup_a_over_r": over_r,
        "baseline": {"sentences_parsed": baseline_sentences, "articles_unread_by_r": unread},
        "events": {
            "a": count_a,
            "baseline": count_b,
            "r": sum(len(e) for e in results["r"]),
            "afghanistan_a": afghan_a,
            "afghanistan_baseline": afghan_b,
            "afghanistan_identical": afghan_matched,
            "afghanistan_differences": dict(afghan_kinds),
            "identical": matched,
            "differences": dict(kinds),
            "differences_by_subset": {f"{k}/{w}": n for (k, w), n in sorted(by_subset.items())},
            "r_identical_to_baseline": r_matched,
            "compared_fields": list(COMPARED),
            "by_category_a": dict(Counter(e.category for ev in events_a for e in ev)),
            "by_category_baseline": dict(Counter(e.category for ev in events_b for e in ev)),
            "details": diffs,
        },
        "gate": gates,
        "profile_a": profile or None,
        "baseline_pipe_seconds_afghanistan": breakdown,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"extract-{datetime.now(UTC).date().isoformat()}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
