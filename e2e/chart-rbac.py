#!/usr/bin/env python3
"""The chart's RBAC as helm/slipway/README.md documents it, compared with what the API server says.

Used by e2e/chart-test.sh:

  chart-rbac.py can-args README                 one line per documented verb: the arguments of a
                                                'kubectl auth can-i' that must answer yes
  chart-rbac.py list README SCOPES FILE         compares 'kubectl auth can-i --list' output (FILE)
                                                with the rules of the given scopes (watched,release)
  chart-rbac.py audit README AUDIT USER         what USER requested according to the API server's
                                                audit log: refused requests, requests the table does
                                                not cover, documented verbs never requested

Each command prints what differs and exits non-zero when something does.
"""
import json
import re
import sys

# Granted to every authenticated user by the cluster's default roles (system:basic-user).
BASIC = {"selfsubjectreviews.authentication.k8s.io", "selfsubjectaccessreviews.authorization.k8s.io",
         "selfsubjectrulesreviews.authorization.k8s.io"}


def table(readme):
    """Rows of the RBAC table: scope, group ('' for core), resource, resource name or None, verbs, requested."""
    rows = []
    in_rbac = False
    for line in open(readme, encoding="utf-8"):
        if line.startswith("## "):
            in_rbac = line.strip() == "## RBAC"
            continue
        if not in_rbac or not line.startswith("| ") or line.startswith("| Scope") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        scope, group, resource, verbs, why = cells[:5]
        names = re.findall(r"`([^`]+)`", resource)
        rows.append({
            "scope": scope,
            "group": "" if group == "core" else group.strip("`"),
            "resource": names[0],
            "name": names[1] if len(names) > 1 else None,
            "verbs": [v.strip() for v in verbs.split(",")],
            # True: the chart test must request it; False: it must not; None ("*sometimes requested"):
            # it depends on timing (a conflict retried), so neither is checked.
            "requested": None if "*sometimes requested" in why else "*not requested" not in why,
        })
    if not rows:
        sys.exit(f"no RBAC table found in {readme}")
    return rows


def qualified(group, resource):
    """'jobs' in 'batch' -> 'jobs.batch'; 'environments/status' -> 'environments.slipway.dev/status'."""
    base, _, sub = resource.partition("/")
    name = base + ("." + group if group else "")
    return name + ("/" + sub if sub else "")


def resolve_name(name, values):
    """'<leaderElection.leaseName>' -> the value given on the command line (key=value)."""
    m = re.fullmatch(r"<(.+)>", name or "")
    return values.get(m.group(1)) if m else name


def values_of(args):
    return dict(a.split("=", 1) for a in args)


def can_args(readme, *settings):
    values = values_of(settings)
    for row in table(readme):
        name = resolve_name(row["name"], values)
        if row["name"] and not name:
            continue  # a rule that is not rendered with these values
        base, _, sub = row["resource"].partition("/")
        target = base + ("." + row["group"] if row["group"] else "") + ("/" + name if name else "")
        ns = "RELEASE_NS" if row["scope"] == "release" else "WATCHED_NS"
        for verb in row["verbs"]:
            print(" ".join([verb, target] + (["--subresource=" + sub] if sub else []) + ["-n", ns]))
    return 0


def can_list(readme, scopes, listing, *settings):
    """Compares the resource rules of 'kubectl auth can-i --list' with the table's rules of the scopes."""
    values = values_of(settings)
    want = set()
    for row in table(readme):
        if row["scope"] not in scopes.split(","):
            continue
        name = resolve_name(row["name"], values)
        if row["name"] and not name:
            continue
        for verb in row["verbs"]:
            want.add((qualified(row["group"], row["resource"]), name or "", verb))
    got = set()
    for line in open(listing, encoding="utf-8"):
        m = re.match(r"^(\S+)\s+\[(.*?)\]\s+\[(.*?)\]\s+\[(.*?)\]\s*$", line)
        if not m or m.group(1) == "Resources" or m.group(1) in BASIC:
            continue
        for name in (m.group(3).split() or [""]):
            for verb in m.group(4).split():
                got.add((m.group(1), name, verb))
    extra, missing = sorted(got - want), sorted(want - got)
    for r, n, v in extra:
        print(f"granted but not documented: {v} {r}{' ' + n if n else ''}")
    for r, n, v in missing:
        print(f"documented but not granted: {v} {r}{' ' + n if n else ''}")
    print(f"{len(got)} resource rule verbs granted, {len(want)} documented")
    return 1 if extra or missing else 0


def audit(readme, log, user):
    documented = {}
    for row in table(readme):
        for verb in row["verbs"]:
            documented[(row["group"], row["resource"], verb)] = row["requested"]
    used, refused, total, seen = {}, [], 0, set()
    for line in open(log, encoding="utf-8"):
        e = json.loads(line)
        # A watch still open has only its ResponseStarted event; anything else its ResponseComplete.
        if e.get("user", {}).get("username") != user or e.get("auditID") in seen:
            continue
        if e.get("stage") not in ("ResponseStarted", "ResponseComplete"):
            continue
        if e.get("stage") == "ResponseStarted" and e.get("verb") != "watch":
            continue
        seen.add(e.get("auditID"))
        total += 1
        ref = e.get("objectRef", {})
        resource = ref.get("resource", "") + ("/" + ref["subresource"] if ref.get("subresource") else "")
        code = e.get("responseStatus", {}).get("code", 0)
        verb = e["verb"]
        if code == 403:
            refused.append(f"{verb} {qualified(ref.get('apiGroup', ''), resource)} {ref.get('namespace', '')}/{ref.get('name', '')}")
        key = (ref.get("apiGroup", ""), resource)
        if qualified(*key) in BASIC:
            continue
        used.setdefault(key + (verb,), 0)
        used[key + (verb,)] += 1
        if verb == "patch" and code == 201:
            # A server-side apply that created the object: the API server asked for create too.
            used.setdefault(key + ("create",), 0)
            used[key + ("create",)] += 1
    uncovered = sorted(k for k in used if k not in documented)
    unused = sorted(k for k, requested in documented.items() if requested is True and k not in used)
    marked_but_used = sorted(k for k, requested in documented.items() if requested is False and k in used)
    for k in sorted(set(refused)):
        print(f"refused (403): {k} ({refused.count(k)}x)")
    for g, r, v in uncovered:
        print(f"requested but not in the table: {v} {qualified(g, r)}")
    for g, r, v in unused:
        print(f"in the table but never requested: {v} {qualified(g, r)}")
    for g, r, v in marked_but_used:
        print(f"marked 'not requested' but requested: {v} {qualified(g, r)}")
    print(f"{total} requests, {len(refused)} refused; {len(used)} resource/verb pairs used, "
          f"{sum(1 for r in documented.values() if r is True)} documented as requested")
    return 1 if refused or uncovered or unused or marked_but_used or total == 0 else 0


if __name__ == "__main__":
    commands = {"can-args": can_args, "list": can_list, "audit": audit}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))
