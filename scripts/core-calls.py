#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""scripts/core-calls.py [--edges] [DIR]: the calls between the C files of DIR (default
coordinator/core), read from the sources: a file calls another when it names a function the other
defines without "static". Prints the cross-file edges, the mutually calling pairs and the call
cycles (strongly connected groups of files); exits 1 when there is a cycle (HACKING.md: no two
core files call each other, directly or around a circle). ctest runs it as style.core-calls.

A reading of the text, not a compiler's: comments and strings are skipped, a function-like macro
or a name in a comment is not a call. Good enough for a file-level graph of one directory."""

import os
import re
import sys

DEFINITION = re.compile(r"^(?!static\b)[A-Za-z_][\w \*]*?\b(\w+)\s*\([^;{]*\)\s*\{", re.M)
CALL = re.compile(r"\b(\w+)\s*\(")


def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def graph(directory):
    sources = {}
    defined_in = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".c"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                sources[name] = strip(f.read())
            for m in DEFINITION.finditer(sources[name]):
                defined_in[m.group(1)] = name
    edges = set()
    for name, text in sources.items():
        for m in CALL.finditer(text):
            callee = defined_in.get(m.group(1))
            if callee and callee != name:
                edges.add((name, callee))
    return sorted(sources), edges


def cycles(files, edges):
    """Tarjan's strongly connected components with more than one file."""
    adjacent = {f: sorted(b for a, b in edges if a == f) for f in files}
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in adjacent[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for f in files:
        if f not in index:
            visit(f)
    return groups


def main(argv):
    show_edges = "--edges" in argv
    args = [a for a in argv if a != "--edges"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    directory = args[0] if args else os.path.join(root, "coordinator", "core")
    files, edges = graph(directory)
    mutual = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
    groups = cycles(files, edges)
    if show_edges:
        for a, b in sorted(edges):
            print(f"  {a} -> {b}")
    print(f"core-calls: {len(files)} files, {len(edges)} cross-file edges, "
          f"{len(mutual)} mutually calling pairs, {len(groups)} call cycles")
    for pair in mutual:
        print(f"  mutual: {pair[0]} <-> {pair[1]}")
    for group in groups:
        print(f"  cycle: {' '.join(group)}")
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
