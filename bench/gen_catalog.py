#!/usr/bin/env python3
"""Writes a synthetic catalog of N projects for the benchmarks.

gen_catalog.py N OUT.json [OUT.csv] [SHAPE]

SHAPE (default "usual") says what the entries look like, since the cost of
an import depends on it:
  usual      two sentences of description in each language, website,
             github and two chains: what the shipped catalog looks like;
  short-few  one short sentence in English only, no optional field;
  long-many  five sentences in each language and every field set
             (twitter, token, CoinGecko and DefiLlama ids, five chains).

Entries are valid against data/taxonomy.json: real category/layer pairs,
each category's default stages, descriptions assembled from the shipped
catalog's sentences (so text lengths are realistic). The CSV has the same
rows in the column order of `aimap export csv`, for the sqlite3 reference.
Deterministic: the same N and SHAPE give the same files.
"""
import csv
import json
import os
import random
import re
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
n = int(sys.argv[1])
out_json = sys.argv[2]
out_csv = sys.argv[3] if len(sys.argv) > 3 else None
shape = sys.argv[4] if len(sys.argv) > 4 else "usual"
if shape not in ("usual", "short-few", "long-many"):
    sys.exit("gen_catalog.py: unknown shape %r" % shape)
tax = json.load(open(os.path.join(top, "data", "taxonomy.json")))
cat = json.load(open(os.path.join(top, "data", "catalog.json")))
rng = random.Random(42)
sent_en = [s for p in cat for s in re.split(r"(?<=\.) ", p["description"])]
sent_zh = [s for p in cat for s in re.split(r"(?<=。)", p.get("description_zh") or "") if s]
short_en = sorted(sent_en, key=len)[: max(1, len(sent_en) // 4)]
cats = tax["categories"]
chains = ["ethereum", "solana", "base", "arbitrum", "cosmos", "bittensor",
          "bsc", "near"]

rows = []
for i in range(n):
    c = cats[i % len(cats)]
    p = {
        "id": "bench-%06d" % i,
        "name": "Bench Project %d" % i,
        "layer": c["layer"],
        "category": c["id"],
        "stages": c["default_stages"],
        "description": None,
        "description_zh": None,
        "website": None,
        "twitter": None,
        "github": None,
        "coingecko_id": None,
        "defillama_slug": None,
        "token": None,
        "chains": None,
        "source": "curated",
    }
    if shape == "usual":
        p["description"] = " ".join(rng.sample(sent_en, 2))
        p["description_zh"] = "".join(rng.sample(sent_zh, 2))
        p["website"] = "https://bench%d.example" % i
        p["github"] = "bench-org/repo%d" % i
        p["chains"] = rng.sample(chains, 2)
    elif shape == "short-few":
        p["description"] = rng.choice(short_en)
    else:
        p["description"] = " ".join(rng.sample(sent_en, 5))
        p["description_zh"] = "".join(rng.sample(sent_zh, 5))
        p["website"] = "https://bench%d.example" % i
        p["twitter"] = "bench%d" % i
        p["github"] = "bench-org/repo%d" % i
        p["coingecko_id"] = "bench-coin-%d" % i
        p["defillama_slug"] = "bench-protocol-%d" % i
        p["token"] = "B%d" % i
        p["chains"] = rng.sample(chains, 5)
    rows.append(p)
with open(out_json, "w", encoding="utf-8") as f:
    json.dump(rows, f, ensure_ascii=False)
if out_csv:
    with open(out_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["id", "name", "layer", "category", "stages", "description",
                    "description_zh", "website", "twitter", "github",
                    "coingecko_id", "defillama_slug", "token", "chains",
                    "source"])
        for p in rows:
            w.writerow([p[k] if k not in ("stages", "chains") else
                        ";".join(p[k] or []) for k in
                        ("id", "name", "layer", "category", "stages",
                         "description", "description_zh", "website",
                         "twitter", "github", "coingecko_id",
                         "defillama_slug", "token", "chains", "source")])
