#!/usr/bin/env python3
"""Synthetic data for bench/tui, the dashboard benchmark.

tui_gen.py catalog N OUT.json
    N catalog entries that `aimap import` accepts: real layer/category
    pairs and each category's stages from data/taxonomy.json, descriptions
    assembled from the shipped catalog's sentences (realistic lengths, both
    languages), names from syllables (so that sorting by name does real
    work), one name in ten in Chinese.

tui_gen.py figures DB
    Fetched figures and stored predictions for the projects of an aimap
    database, as `aimap fetch` and the classifier would leave them: market
    cap, price, 24h change for 60% of projects, TVL for 20%, GitHub stars
    for 50%, thirty days of history for 1%, a prediction for 70%. Written
    straight into the database's metrics, metrics_latest and predictions
    tables in one transaction (the benchmark needs figures without a
    network).

Deterministic: the same arguments give the same data.
"""
import json
import math
import os
import random
import re
import sqlite3
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
T0 = 1735689600  # 2025-01-01 00:00 UTC

SYL = ["ka", "zen", "lo", "mir", "ta", "vex", "nor", "qu", "sa", "dri", "om",
       "pel", "ix", "ra", "fy", "gon", "be", "chu", "lum", "tor", "ae", "wen"]
SUFFIX = ["", "", "", " Labs", " Network", " AI", " Protocol", " DAO",
          " Chain", " Compute"]
ZH = ["数据", "算力", "智能", "链", "模型", "协议", "网络", "实验室", "宝",
      "云", "知识", "代理"]


def catalog(n, out):
    tax = json.load(open(os.path.join(TOP, "data", "taxonomy.json")))
    cat = json.load(open(os.path.join(TOP, "data", "catalog.json")))
    rng = random.Random(7)
    en = [s for p in cat for s in re.split(r"(?<=\.) ", p["description"])]
    zh = [s for p in cat
          for s in re.split(r"(?<=。)", p.get("description_zh") or "") if s]
    cats = tax["categories"]
    chains = ["ethereum", "solana", "base", "arbitrum", "cosmos", "bittensor"]
    rows = []
    for i in range(n):
        c = cats[rng.randrange(len(cats))]
        if rng.random() < 0.1:
            name = "".join(rng.sample(ZH, 2)) + " %d" % i
        else:
            word = "".join(rng.choice(SYL) for _ in range(rng.randint(2, 3)))
            name = word.capitalize() + rng.choice(SUFFIX) + " %d" % i
        rows.append({
            "id": "tui-%06d" % i,
            "name": name,
            "layer": c["layer"],
            "category": c["id"],
            "stages": c["default_stages"],
            "description": " ".join(rng.sample(en, rng.randint(1, 3))),
            "description_zh": "".join(rng.sample(zh, rng.randint(1, 3))),
            "website": "https://tui%d.example" % i,
            "twitter": None,
            "github": "tui-org/repo%d" % i if rng.random() < 0.5 else None,
            "coingecko_id": None,
            "defillama_slug": None,
            "token": None,
            "chains": rng.sample(chains, rng.randint(1, 2)),
            "source": "curated",
        })
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False)


def figures(path):
    db = sqlite3.connect(path)
    rng = random.Random(11)
    cats = [r[0] for r in db.execute("SELECT id FROM categories")]
    latest, history, preds = [], [], []
    for (pid, category) in db.execute(
            "SELECT id, category FROM projects ORDER BY id"):
        def put(metric, source, value, days=1):
            t = T0 + 86400 * (days - 1)
            latest.append((pid, metric, source, value, t))
            for d in range(days):
                v = value * (1 + 0.05 * math.sin(d + len(pid)))
                history.append((pid, source, metric,
                                v if d < days - 1 else value, T0 + 86400 * d))
        days = 30 if rng.random() < 0.01 else 1
        if rng.random() < 0.6:
            mcap = math.exp(rng.uniform(math.log(1e5), math.log(5e10)))
            put("coingecko.market_cap_usd", "coingecko", round(mcap), days)
            put("coingecko.price_usd", "coingecko",
                round(math.exp(rng.uniform(-6, 7)), 6), days)
            put("coingecko.change_24h_pct", "coingecko",
                round(rng.gauss(0, 6), 2))
        if rng.random() < 0.2:
            put("defillama.tvl_usd", "defillama",
                round(math.exp(rng.uniform(math.log(1e4), math.log(5e9)))),
                days)
        if rng.random() < 0.5:
            put("github.stars", "github", rng.randint(0, 40000), days)
        if rng.random() < 0.7:
            c = category if rng.random() < 0.8 else rng.choice(cats)
            score = round(rng.uniform(0.3, 0.99), 3)
            preds.append((pid, c, score, json.dumps(
                {"category": {"id": c, "score": score}, "stages": []}),
                T0))
    with db:
        db.executemany("INSERT OR REPLACE INTO metrics_latest(project, metric,"
                       " source, value, observed_at) VALUES(?,?,?,?,?)",
                       latest)
        db.executemany("INSERT INTO metrics(project, source, metric, value,"
                       " observed_at) VALUES(?,?,?,?,?)", history)
        db.executemany("INSERT OR REPLACE INTO predictions(project, category,"
                       " score, json, created_at) VALUES(?,?,?,?,?)", preds)
    db.close()
    print("  %d latest figures, %d history rows, %d predictions"
          % (len(latest), len(history), len(preds)))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "catalog":
        catalog(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "figures":
        figures(sys.argv[2])
    else:
        sys.exit("usage: tui_gen.py catalog N OUT.json | figures DB")
