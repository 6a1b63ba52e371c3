#!/usr/bin/env python3
"""A small slicer for the benchmark corpus of real code.

Cuts every function and class (nested ones too) out of the Python files under a source folder,
with Python's own `ast` module, into reviewed-slice lines in the original slicer's layout (one
JSON object per line: id, type, repository, file_path, name, start_line, end_line,
code_snippet, complexity, context, metadata). Files that do not parse are skipped.

    python3 bench/slice-python.py SOURCE_DIR OUT_FILE REPO [MAX_BYTES]

Writes OUT_FILE and prints `<bytes> <slices>`. Files are read in sorted order, so the output is
the same on every run over the same source.
"""
import ast
import json
import os
import sys
import warnings

BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith,
            ast.BoolOp, ast.IfExp, ast.comprehension, ast.Match)


def complexity(node):
    if isinstance(node, ast.ClassDef):
        return "medium"  # as the original slicer: classes are always "medium"
    branches = sum(1 for n in ast.walk(node) if isinstance(n, BRANCHES))
    if branches <= 2:
        return "simple"
    return "medium" if branches <= 8 else "complex"


def decorator_names(node):
    out = []
    for d in node.decorator_list:
        try:
            out.append(ast.unparse(d))
        except Exception:  # noqa: BLE001 - a decorator we cannot print is left out
            pass
    return out


def context_of(node):
    doc = ast.get_docstring(node)
    if isinstance(node, ast.ClassDef):
        bases = []
        for b in node.bases:
            try:
                bases.append(ast.unparse(b))
            except Exception:  # noqa: BLE001
                pass
        methods = [n.name for n in node.body
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        return {"docstring": doc, "base_classes": bases, "methods": methods,
                "decorators": decorator_names(node)}
    returns = None
    if node.returns is not None:
        try:
            returns = ast.unparse(node.returns)
        except Exception:  # noqa: BLE001
            returns = None
    return {"docstring": doc, "parameters": [a.arg for a in node.args.args],
            "returns": returns, "decorators": decorator_names(node)}


def python_files(root):
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def main():
    source, out_path, repo = sys.argv[1], sys.argv[2], sys.argv[3]
    max_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else None
    warnings.simplefilter("ignore")
    written = 0
    n = 0
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        for path in python_files(source):
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                tree = ast.parse(text)
            except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError, OSError):
                continue
            lines = text.splitlines(keepends=True)
            rel = os.path.relpath(path, source)
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                start = node.lineno
                if node.decorator_list:
                    start = min(d.lineno for d in node.decorator_list)
                end = node.end_lineno or node.lineno
                snippet = "".join(lines[start - 1:end]).rstrip("\n")
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                record = {
                    "id": f"{repo}_{n:05d}_{'class' if kind == 'class' else 'func'}",
                    "type": kind,
                    "repository": repo,
                    "file_path": rel,
                    "name": node.name,
                    "start_line": start,
                    "end_line": end,
                    "code_snippet": snippet,
                    "complexity": complexity(node),
                    "context": context_of(node),
                    "metadata": {"sliced_at": "2026-01-01T00:00:00", "analyzer_version": "1.0"},
                }
                line = json.dumps(record, ensure_ascii=False) + "\n"
                size = len(line.encode("utf-8"))
                if max_bytes is not None and written + size > max_bytes:
                    print(written, n)
                    return
                out.write(line)
                written += size
                n += 1
    print(written, n)


if __name__ == "__main__":
    main()
