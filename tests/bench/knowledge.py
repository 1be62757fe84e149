"""``make bench-knowledge``: searching the knowledge base at size.

10,000 published articles (Chinese, with some English), each indexed as
Hotline indexes an approved version (jieba words, hotline/knowledge/index.py),
in a fresh SQLite database.  The queries are what agents type during a call:
a two-character word, a question, a rare word, English words, a single
character (no index entry: read from the texts).  Each query is timed as the
desk's search runs it (``services.search``: index rows, ranking, the live
check, the snippets).  Beside it, the baseline without an index: one
substring scan (LIKE) over every published text, which finds fewer (no word
segmentation) and is what the index must beat.  Target: p99 < 200 ms.

Run: ``python -m tests.bench.knowledge [--articles N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from hotline.db import close_db, init_db
from hotline.knowledge import core, index, services
from hotline.models import Tenant
from hotline.models_knowledge import KnowledgeArticle, KnowledgeTerm, KnowledgeVersion

TARGET_P99_MS = 200.0
TOPICS = [
    "水费",
    "水表",
    "停水",
    "报装",
    "水压",
    "漏水",
    "发票",
    "缴费",
    "营业厅",
    "滞纳金",
    "户名",
    "过户",
    "阶梯水价",
    "水质",
    "管道",
    "维修",
    "抄表",
    "预约",
    "申请",
    "材料",
    "身份证",
    "房产证",
    "居民",
    "企业",
    "通知",
    "短信",
    "网站",
    "热线",
    "投诉",
    "咨询",
    "退费",
    "押金",
    "开户",
    "销户",
    "二次供水",
    "消防",
    "水箱",
    "清洗",
    "检测",
    "余氯",
    "浊度",
    "计量",
    "误差",
    "校验",
    "换表",
    "冻裂",
    "防冻",
    "节水",
    "补贴",
    "低保",
    "减免",
    "银行代扣",
    "手机银行",
    "微信",
    "支付宝",
    "账单",
    "欠费",
    "停水通知",
    "恢复供水",
    "施工",
    "道路",
    "开挖",
    "审批",
    "图纸",
    "验收",
]
FILLERS = [
    "如何",
    "办理",
    "需要",
    "可以",
    "进行",
    "以及",
    "相关",
    "规定",
    "按照",
    "时间",
    "工作日",
    "小时",
    "用户",
    "提供",
    "携带",
    "到",
    "在",
    "对",
    "由",
    "后",
    "前",
    "应当",
    "不得",
    "及时",
    "联系",
    "电话",
    "地址",
    "部门",
    "负责",
    "处理",
    "结果",
    "反馈",
    "一般",
    "特殊",
    "情况",
    "其他",
    "具体",
    "详细",
]
ENGLISH = [
    "water",
    "bill",
    "meter",
    "outage",
    "payment",
    "repair",
    "pressure",
    "leak",
    "invoice",
    "account",
]
QUERIES = (
    "水费",
    "怎么交水费",
    "停水通知什么时候发",
    "余氯",
    "阶梯水价怎么算",
    "water bill payment",
    "漏",
    "冻裂的水表谁来换",
)


def article_text(rng: random.Random, number: int) -> tuple[str, str, str]:
    title = "".join(rng.sample(TOPICS, 3)) + f"（{number}）"
    words = [rng.choice(TOPICS) if rng.random() < 0.35 else rng.choice(FILLERS) for _ in range(90)]
    if rng.random() < 0.1:
        words += rng.sample(ENGLISH, 3)
    body = "".join(words) + "。"
    short = "".join(rng.sample(TOPICS, 2)) + "请致电热线。"
    return title, body, short


async def build(articles: int, seed: int) -> int:
    rng = random.Random(seed)
    tenant = await Tenant.create(name="bench")
    for start in range(0, articles, 500):
        batch = [
            KnowledgeArticle(
                tenant_id=tenant.id,
                category=core.FAQ,
                department="billing",
                title=f"t{number}",
                published_version=1,
                created_by="bench",
            )
            for number in range(start, min(articles, start + 500))
        ]
        await KnowledgeArticle.bulk_create(batch)
    rows = await KnowledgeArticle.filter(tenant_id=tenant.id).order_by("id")
    versions: list[KnowledgeVersion] = []
    terms: list[KnowledgeTerm] = []
    for number, article in enumerate(rows):
        title, body, short = article_text(rng, number)
        article.title, article.short_answer = title, short
        versions.append(
            KnowledgeVersion(
                article=article,
                version=1,
                title=title,
                body=body,
                short_answer=short,
                state=core.PUBLISHED,
                author="bench",
            )
        )
        for term, weight in index.terms_of(title, "", short, body).items():
            terms.append(
                KnowledgeTerm(tenant_id=tenant.id, article=article, term=term, weight=weight)
            )
    await KnowledgeArticle.bulk_update(rows, fields=["title", "short_answer"], batch_size=500)
    await KnowledgeVersion.bulk_create(versions, batch_size=500)
    await KnowledgeTerm.bulk_create(terms, batch_size=2000)
    return tenant.id


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def baseline(tenant_id: int, query: str) -> int:
    """No index: every published text read for the query as typed."""
    ids = await KnowledgeVersion.filter(
        article__tenant_id=tenant_id, state=core.PUBLISHED, body__icontains=query
    ).values_list("article_id", flat=True)
    return len(ids)


async def run(articles: int, rounds: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-kb-") as tmp:
        await init_db(f"sqlite://{Path(tmp) / 'kb.sqlite3'}")
        try:
            started = time.perf_counter()
            index.warm_up()
            tenant_id = await build(articles, seed=7)
            built_s = time.perf_counter() - started
            terms = await KnowledgeTerm.filter(tenant_id=tenant_id).count()
            print(f"{articles} articles indexed in {built_s:.1f} s ({terms} index rows)")
            print(
                f"{'query':<22} {'hits':>5} {'p50 ms':>8} {'p99 ms':>8}"
                f" {'LIKE hits':>9} {'LIKE ms':>8}"
            )
            every: list[float] = []
            for query in QUERIES:
                samples: list[float] = []
                hits = 0
                for _ in range(rounds):
                    begun = time.perf_counter()
                    hits = len(await services.search(tenant_id, query))
                    samples.append((time.perf_counter() - begun) * 1000)
                begun = time.perf_counter()
                like_hits = await baseline(tenant_id, query)
                like_ms = (time.perf_counter() - begun) * 1000
                every += samples
                print(
                    f"{query:<22} {hits:>5} {statistics.median(samples):>8.1f}"
                    f" {percentile(samples, 0.99):>8.1f} {like_hits:>9} {like_ms:>8.1f}"
                )
            p99 = percentile(every, 0.99)
            print(
                f"all queries: p50 {statistics.median(every):.1f} ms, p99 {p99:.1f} ms"
                f" (target p99 < {TARGET_P99_MS:.0f} ms)"
            )
            return p99 < TARGET_P99_MS
        finally:
            await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    arguments = parser.parse_args()
    met = asyncio.run(run(arguments.articles, arguments.rounds))
    print("target met" if met else "TARGET MISSED")


if __name__ == "__main__":
    main()
