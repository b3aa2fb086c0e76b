#!/usr/bin/env python3
"""data.py: the checks that keep the shipped catalog true.

Reads data/catalog.json, data/taxonomy.json, data/SOURCES.md and the
verified identifier tables data/reference/ids.tsv and tokens.tsv. Each
property is one check; a breach prints every entry that breaks it. Ends
with "N passed, N failed" like the other parts.
"""
import csv
import json
import re
import sys
from urllib.parse import urlparse

TOP = sys.argv[1] if len(sys.argv) > 1 else "."
cat = json.load(open(TOP + "/data/catalog.json", encoding="utf-8"))
tax = json.load(open(TOP + "/data/taxonomy.json", encoding="utf-8"))
sources = open(TOP + "/data/SOURCES.md", encoding="utf-8").read()
ids = list(csv.DictReader(open(TOP + "/data/reference/ids.tsv",
                               encoding="utf-8"), delimiter="\t"))
tokens = list(csv.DictReader(open(TOP + "/data/reference/tokens.tsv",
                                  encoding="utf-8"), delimiter="\t"))

passed = failed = 0


def check(what, bad):
    global passed, failed
    if bad:
        failed += 1
        print("FAIL %s: %d entries" % (what, len(bad)))
        for b in bad[:15]:
            print("   ", b)
    else:
        passed += 1


def domain(url):
    host = urlparse(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


layers = {l["id"] for l in tax["layers"]}
cats = {c["id"]: c["layer"] for c in tax["categories"]}
stages = {s["id"] for s in tax["stages"]}
STATUS = {"active", "sunset", "acquired", "merged", "renamed"}
slug = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

check("ids are lowercase slugs",
      [e.get("id") for e in cat if not slug.match(e.get("id") or "")])
for key, norm in (("id", str), ("github", lambda v: v.split("/")[0].lower()),
                  ("coingecko_id", str), ("defillama_slug", str),
                  ("website", domain)):
    seen, dup = {}, []
    for e in cat:
        v = e.get(key)
        if not v:
            continue
        k = norm(v) if key != "github" else v.lower()
        if k in seen:
            dup.append("%s and %s share %s %s" % (seen[k], e["id"], key, k))
        seen[k] = e["id"]
    check("no two projects share a %s" % key, dup)

check("layer, category and stages are the taxonomy's",
      [e["id"] for e in cat
       if e.get("category") not in cats or e.get("layer") != cats[e["category"]]
       or not e.get("stages") or not set(e["stages"]) <= stages
       or len(set(e["stages"])) != len(e["stages"])])
check("status is one of %s, with a note unless active" % sorted(STATUS),
      [e["id"] for e in cat
       if e.get("status", "active") not in STATUS
       or (e.get("status", "active") != "active") != bool(e.get("status_note"))])
check("description and tagline in both languages",
      [e["id"] for e in cat
       if not all((e.get(k) or "").strip() for k in
                  ("description", "description_zh", "tagline", "tagline_zh"))])
check("taglines of at most 20 words",
      [e["id"] for e in cat if len((e.get("tagline") or "").split()) > 20])
check("chains is a list",
      [e["id"] for e in cat if not isinstance(e.get("chains"), list)])

cjk = r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]"
half = re.compile(cjk + r"[,()\:;]|[,()\:;]" + cjk)
check("no half-width punctuation inside Chinese sentences",
      ["%s: %s" % (e["id"], m.group(0))
       for e in cat for k in ("description_zh", "tagline_zh")
       for m in [half.search(e.get(k) or "")] if m])

# Every identifier is in the verified tables or named in SOURCES.md.
col = {"github": "github", "coingecko_id": "coingecko_id",
       "defillama_slug": "defillama_slug", "twitter": "twitter"}
known = {k: {r[c].strip().lower() for r in ids if r[c].strip()}
         for k, c in col.items()}
known["website"] = {r["website"].strip().lower() for r in ids
                    if r["website"].strip()}
known["token"] = {r["token"].strip().lower() for r in tokens
                  if r["token"].strip()}
known["chains"] = {c.strip().lower() for r in tokens
                   for c in re.split(r"[,; ]+", r["chains"]) if c.strip()}
low = sources.lower()
unsourced = []
for e in cat:
    for k in ("github", "coingecko_id", "defillama_slug", "twitter", "token"):
        v = e.get(k)
        if v and v.lower() not in known[k] and v.lower() not in low:
            unsourced.append("%s %s=%s" % (e["id"], k, v))
    w = e.get("website")
    if w and domain(w) not in known["website"] and domain(w) not in low:
        unsourced.append("%s website=%s" % (e["id"], w))
    for ch in e.get("chains") or []:
        if ch.lower() not in known["chains"] and ch.lower() not in low:
            unsourced.append("%s chain=%s" % (e["id"], ch))
check("every identifier verified: in data/reference or in SOURCES.md",
      unsourced)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
