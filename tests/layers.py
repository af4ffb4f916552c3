#!/usr/bin/env python3
"""The one-way dependency rule between the program's folders (docs/design.md, "Modules").

Each folder below may include headers of the folders listed for it and of no other; the
lists form layers (no folder reaches one that reaches back), which this script also checks.
Run by ctest as style.layers:  python3 tests/layers.py <source dir>
"""
import os
import re
import sys

# folder -> folders whose headers it may include (besides its own)
ALLOWED = {
    "common": [],
    "certs": ["common"],
    "broker/codec": ["common"],
    "broker/core": ["broker/codec", "common"],
    "broker/auth": ["broker/core", "broker/codec", "common"],
    "broker/asio": ["broker/core", "broker/codec", "common"],
    "db": ["common"],
    "backend": ["broker/auth", "broker/core", "broker/codec", "db", "common"],
    "web/http": ["certs", "common"],
    "web/mail": ["common"],
    "web/auth": ["web/http", "web/mail", "db", "common"],
    "web/live": ["web/http", "backend", "db", "common"],
    "web/export": ["web/http", "db", "common"],
    "web/api": ["web/auth", "web/live", "web/export", "web/http", "web/mail", "backend",
                "broker/auth", "broker/core", "broker/codec", "db", "common"],
    "app": ["web/api", "web/auth", "web/live", "web/export", "web/http", "web/mail", "backend",
            "broker/asio", "broker/auth", "broker/core", "broker/codec", "db", "certs", "common"],
}
# What a folder must not contain at all: the codec, the protocol core and the password/ACL
# parsers are pure (no Boost, no sockets or files, no clock: time is passed in), so they are
# testable (and fuzzable) without I/O or sleeping.
PURE = [(re.compile(r"#\s*include\s*<(boost/|sys/|netinet/|arpa/|unistd\.h|fstream)"),
         "an I/O or Boost header"),
        (re.compile(r"(_clock|Clock)::now\s*\("), "a clock read")]
FORBIDDEN = {"broker/codec": PURE, "broker/core": PURE, "broker/auth": PURE}

# Tools and tests may use any library folder, never the composition root's internals.
OPEN = {"tools": [f for f in ALLOWED if f != "app"], "tests": list(ALLOWED)}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(path, folders):
    """The longest folder of `folders` that `path` lies in, or None."""
    best = None
    for f in folders:
        if path == f or path.startswith(f + "/"):
            if best is None or len(f) > len(best):
                best = f
    return best


def check_acyclic():
    """Raises when the rules themselves let a folder reach itself through others."""
    def reach(start, node, seen):
        for dep in ALLOWED[node]:
            if dep == start:
                raise SystemExit(f"layers.py: the rules form a cycle through {start}")
            if dep not in seen:
                seen.add(dep)
                reach(start, dep, seen)
    for folder in ALLOWED:
        reach(folder, folder, set())


def main(root):
    check_acyclic()
    rules = dict(ALLOWED)
    rules.update(OPEN)
    violations = []
    checked = 0
    for top in ["common", "certs", "broker", "db", "backend", "web", "app", "tools", "tests"]:
        for directory, _, names in os.walk(os.path.join(root, top)):
            if "node_modules" in directory:
                continue
            for name in names:
                if not name.endswith((".cpp", ".hpp", ".h", ".cc")):
                    continue
                path = os.path.relpath(os.path.join(directory, name), root)
                owner = folder_of(path, rules)
                if owner is None:
                    violations.append(f"{path}: in no folder of the layer rules")
                    continue
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    text = f.read()
                checked += 1
                for pattern, what in FORBIDDEN.get(owner, []):
                    if pattern.search(text):
                        violations.append(f"{path}: contains {what}, which {owner} must not")
                for included in INCLUDE.findall(text):
                    target = folder_of(included, ALLOWED)
                    if target is None or target == owner:
                        continue  # a file of the same folder, or one found beside the includer
                    if target not in rules[owner]:
                        violations.append(f"{path}: includes {included} ({owner} may not "
                                          f"depend on {target})")
    for v in violations:
        print(v)
    print(f"{checked} files checked, {len(violations)} layer violation(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))
