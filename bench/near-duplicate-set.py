#!/usr/bin/env python3
"""Builds a labelled set of code pairs for measuring near-duplicate detection, from real code.

Takes the functions of the Python files under SOURCE_DIR (sorted, so the same source gives the
same set) with at least MIN_LINES lines, and writes one JSON object per line:
{"kind", "label", "file_a", "code_a", "file_b", "code_b"}. Positives (label true) are a function
and a changed copy of it:

  renamed      its arguments and local variables consistently renamed (then printed by
               ast.unparse, so also reformatted, its comments gone)
  reformatted  printed again by ast.unparse (quotes, wrapping, blank lines; comments gone)
  comments     comment lines added and its existing comments reworded, the code untouched

Negatives (label false) are two different functions:

  same_name    two functions of the same name in different files (__init__, __repr__, ...)
  neighbours   two functions next to each other in one file, of similar length
  random       two functions picked at random

Negative pairs whose code is the same once comments and blank lines are dropped are left out
(the standard library holds a few real copies).

    python3 bench/near-duplicate-set.py SOURCE_DIR OUT_FILE [PAIRS_PER_KIND] [MIN_LINES]
"""
import ast
import json
import os
import random
import sys
import warnings

WORDS = ["alpha", "beta", "gamma", "delta", "item", "value", "node", "entry", "data", "buf",
         "result", "thing", "obj", "elem", "part", "piece", "chunk", "rec", "slot", "cell"]


def functions(source_dir, min_lines):
    out = []
    for root, dirs, files in os.walk(source_dir):
        dirs.sort()
        dirs[:] = [d for d in dirs if d not in ("test", "tests", "idle_test", "site-packages")]
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(text)
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            lines = text.splitlines()
            rel = os.path.relpath(path, source_dir)
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if node.end_lineno - node.lineno + 1 < min_lines:
                        continue
                    indent = node.col_offset
                    code = "\n".join(l[indent:] for l in lines[node.lineno - 1:node.end_lineno])
                    out.append({"file": rel, "name": node.name, "line": node.lineno,
                                "code": code, "node": node})
    return out


class Renamer(ast.NodeTransformer):
    def __init__(self, names, rng):
        picks = rng.sample(WORDS, min(len(WORDS), len(names)))
        self.map = {n: f"{picks[i % len(picks)]}_{i}" for i, n in enumerate(sorted(names))}

    def visit_Name(self, node):
        if node.id in self.map:
            node.id = self.map[node.id]
        return node

    def visit_arg(self, node):
        if node.arg in self.map:
            node.arg = self.map[node.arg]
        return node


def local_names(fn):
    names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
    names.discard("self")
    names.discard("cls")
    return names


def renamed(f, rng):
    fn = ast.parse(f["code"]).body[0]
    names = local_names(fn)
    if not names:
        return None
    return ast.unparse(Renamer(names, rng).visit(fn))


def reformatted(f, rng):
    return ast.unparse(ast.parse(f["code"]).body[0])


def commented(f, rng):
    out = []
    for line in f["code"].split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            out.append(line[: len(line) - len(stripped)] + "# (reworded) " + stripped[1:][::-1])
            continue
        out.append(line)
        if stripped.endswith(":") and rng.random() < 0.5:
            pad = " " * (len(line) - len(stripped) + 4)
            out.append(pad + "# " + " ".join(rng.sample(WORDS, 4)))
    code = "\n".join(out)
    return code if code != f["code"] else None


def bare(code):
    lines = []
    for line in code.split("\n"):
        s = line.strip()
        if s and not s.startswith("#"):
            lines.append(s)
    return "\n".join(lines)


def main():
    source_dir, out_file = sys.argv[1], sys.argv[2]
    per_kind = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    min_lines = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    rng = random.Random(20)
    fns = functions(source_dir, min_lines)
    rng.shuffle(fns)
    pairs = []

    def pair(kind, label, a, code_b, file_b):
        pairs.append({"kind": kind, "label": label, "file_a": a["file"], "code_a": a["code"],
                      "file_b": file_b, "code_b": code_b})

    for kind, change in (("renamed", renamed), ("reformatted", reformatted),
                         ("comments", commented)):
        n = 0
        for f in fns:
            if n >= per_kind:
                break
            try:
                code = change(f, rng)
            except (SyntaxError, ValueError, RecursionError):
                code = None
            if code is None or code == f["code"]:
                continue
            pair(kind, True, f, code, f["file"])
            n += 1

    def negative(kind, a, b):
        if bare(a["code"]) == bare(b["code"]):
            return False
        pair(kind, False, a, b["code"], b["file"])
        return True

    by_name = {}
    for f in fns:
        by_name.setdefault(f["name"], []).append(f)
    n = 0
    for name in sorted(by_name):
        group = [f for f in by_name[name]]
        for a, b in zip(group, group[1:]):
            if n < per_kind and a["file"] != b["file"] and negative("same_name", a, b):
                n += 1
    ordered = sorted(fns, key=lambda f: (f["file"], f["line"]))
    n = 0
    for a, b in zip(ordered, ordered[1:]):
        la, lb = a["code"].count("\n"), b["code"].count("\n")
        if n < per_kind and a["file"] == b["file"] and abs(la - lb) <= max(2, la // 5):
            if negative("neighbours", a, b):
                n += 1
    n = 0
    while n < per_kind:
        a, b = rng.sample(fns, 2)
        if negative("random", a, b):
            n += 1

    with open(out_file, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p) + "\n")
    print(len(pairs), len(fns))


if __name__ == "__main__":
    main()
