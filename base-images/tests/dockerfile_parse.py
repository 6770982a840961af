"""A small Dockerfile reader for the checklist test and the fixtures.

Only what the checklist needs: continuation lines joined, comments dropped,
instructions split into (keyword, arguments), ARG defaults resolved in FROM.
"""
import re
from pathlib import Path


def instructions(path):
    """[(KEYWORD, rest)] of a Dockerfile, continuation lines joined."""
    out, buf = [], ""
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        keyword, _, rest = buf.strip().partition(" ")
        out.append((keyword.upper(), rest.strip()))
        buf = ""
    if buf.strip():
        keyword, _, rest = buf.strip().partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def _substitute(text, args):
    def repl(m):
        name = m.group(1) or m.group(2)
        return args.get(name, m.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", repl, text)


def stages(path):
    """[{'image': resolved image, 'alias': name or None, 'instructions': [...]}]."""
    global_args, result = {}, []
    for keyword, rest in instructions(path):
        if keyword == "FROM":
            parts = [p for p in rest.split() if not p.startswith("--")]
            image = _substitute(parts[0], global_args)
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            result.append({"image": image, "raw": parts[0], "alias": alias, "instructions": []})
        elif not result:
            if keyword == "ARG":
                name, _, default = rest.partition("=")
                global_args[name.strip()] = default.strip().strip('"')
        else:
            result[-1]["instructions"].append((keyword, rest))
    return result


def copies(stage):
    """[(flags, sources, dest)] of the COPY instructions of a stage."""
    out = []
    for keyword, rest in stage["instructions"]:
        if keyword != "COPY":
            continue
        parts = rest.split()
        flags = [p for p in parts if p.startswith("--")]
        paths = [p for p in parts if not p.startswith("--")]
        out.append((flags, paths[:-1], paths[-1]))
    return out
