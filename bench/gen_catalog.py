#!/usr/bin/env python3
"""Writes a synthetic catalog of N projects for the benchmarks.

gen_catalog.py N OUT.json [OUT.csv]

Entries are valid against data/taxonomy.json: real category/layer pairs,
each category's default stages, descriptions assembled from the shipped
catalog's sentences (so text lengths are realistic). The CSV has the same
rows in the column order of `aimap export csv`, for the sqlite3 reference.
Deterministic: the same N gives the same files.
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
tax = json.load(open(os.path.join(top, "data", "taxonomy.json")))
cat = json.load(open(os.path.join(top, "data", "catalog.json")))
rng = random.Random(42)
sent_en = [s for p in cat for s in re.split(r"(?<=\.) ", p["description"])]
sent_zh = [s for p in cat for s in re.split(r"(?<=。)", p.get("description_zh") or "") if s]
cats = tax["categories"]
chains = ["ethereum", "solana", "base", "arbitrum", "cosmos", "bittensor"]

rows = []
for i in range(n):
    c = cats[i % len(cats)]
    p = {
        "id": "bench-%06d" % i,
        "name": "Bench Project %d" % i,
        "layer": c["layer"],
        "category": c["id"],
        "stages": c["default_stages"],
        "description": " ".join(rng.sample(sent_en, 2)),
        "description_zh": "".join(rng.sample(sent_zh, 2)),
        "website": "https://bench%d.example" % i,
        "twitter": None,
        "github": "bench-org/repo%d" % i,
        "coingecko_id": None,
        "defillama_slug": None,
        "token": None,
        "chains": rng.sample(chains, 2),
        "source": "curated",
    }
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
            w.writerow([p["id"], p["name"], p["layer"], p["category"],
                        ";".join(p["stages"]), p["description"],
                        p["description_zh"], p["website"], "", p["github"],
                        "", "", "", ";".join(p["chains"]), p["source"]])
