#!/usr/bin/env python3
"""The chart's package index (values packageIndex), as the API server accepted it.

Used by e2e/chart-test.sh, on the JSON the API server returned for a server-side dry run
('kubectl create --dry-run=server -o json') of three renderings of one release:

  chart-package-index.py FULLNAME NAMESPACE ENABLED CREDENTIALS EXPLICIT EXPLICIT_URL

  FULLNAME     the release's full name (the operator's Deployment; the index is FULLNAME-package-index)

  ENABLED      packageIndex.enabled=true, every other value its default
  CREDENTIALS  the same with packageIndex.uploadCredentialsSecret=index-uploaders and
               packageIndex.persistence.enabled=false
  EXPLICIT     the same as ENABLED with build.pipIndexUrl=EXPLICIT_URL

Prints one line per check, 'ok WHAT' or 'not ok WHAT: why'; exits non-zero if one is not ok.
"""
import json
import sys


def objects(path):
    """Every object of a file of concatenated JSON documents (Lists unpacked)."""
    text, decoder, pos, out = open(path, encoding="utf-8").read(), json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return out
        obj, pos = decoder.raw_decode(text, pos)
        out.extend(obj.get("items", []) if obj.get("kind") == "List" else [obj])


def find(objs, kind, name):
    return next((o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name), None)


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


results = []


def check(what, problems):
    """problems: a list of what is wrong; empty: the check passes."""
    problems = [p for p in problems if p]
    results.append((not problems, what + ("" if not problems else ": " + "; ".join(problems))))


def expect(label, got, want):
    return None if got == want else f"{label} is {got!r}, want {want!r}"


def container(deploy):
    return deploy["spec"]["template"]["spec"]["containers"][0]


def env_of(c):
    return {e["name"]: e.get("value") for e in c.get("env", [])}


def main(fullname, namespace, enabled_file, credentials_file, explicit_file, explicit_url):
    name = f"{fullname}-package-index"
    url = f"http://{name}.{namespace}.svc.cluster.local:8080/simple/"
    objs = objects(enabled_file)
    deploy, svc, pvc = find(objs, "Deployment", name), find(objs, "Service", name), find(objs, "PersistentVolumeClaim", name)
    check(f"package index: Deployment, Service and PersistentVolumeClaim {name} accepted",
          [f"no {k} {name}" for k, o in (("Deployment", deploy), ("Service", svc), ("PersistentVolumeClaim", pvc)) if o is None])
    if not (deploy and svc and pvc):
        return
    spec, pod = deploy["spec"], deploy["spec"]["template"]["spec"]
    c = container(deploy)

    check("package index Deployment: one replica, strategy Recreate (a ReadWriteOnce volume)",
          [expect("replicas", spec.get("replicas"), 1), expect("strategy", spec["strategy"].get("type"), "Recreate")])
    check("package index env: PACKAGE_INDEX_ROOT, _PORT, _HTPASSWD, _THREADS",
          [expect("env", env_of(c), {"PACKAGE_INDEX_ROOT": "/data/packages", "PACKAGE_INDEX_PORT": "8080",
                                     "PACKAGE_INDEX_HTPASSWD": "/etc/slipway/package-index/htpasswd",
                                     "PACKAGE_INDEX_THREADS": "8"}),
           expect("ports", [(p.get("name"), p["containerPort"]) for p in c.get("ports", [])], [("http", 8080)]),
           expect("image", c["image"], "ghcr.io/slipway-dev/package-index@sha256:" + "0" * 64)])
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    check("package index security: uid/gid 10001, non-root, read-only root, no escalation, no capabilities, "
          "seccomp RuntimeDefault, no service account token",
          [expect("pod runAsUser", psc.get("runAsUser"), 10001), expect("pod runAsGroup", psc.get("runAsGroup"), 10001),
           expect("fsGroup", psc.get("fsGroup"), 10001), expect("pod runAsNonRoot", psc.get("runAsNonRoot"), True),
           expect("pod seccomp", psc.get("seccompProfile", {}).get("type"), "RuntimeDefault"),
           expect("runAsUser", csc.get("runAsUser"), 10001), expect("runAsNonRoot", csc.get("runAsNonRoot"), True),
           expect("readOnlyRootFilesystem", csc.get("readOnlyRootFilesystem"), True),
           expect("allowPrivilegeEscalation", csc.get("allowPrivilegeEscalation"), False),
           expect("privileged", csc.get("privileged"), False),
           expect("capabilities", csc.get("capabilities"), {"drop": ["ALL"]}),
           expect("seccomp", csc.get("seccompProfile", {}).get("type"), "RuntimeDefault"),
           expect("automountServiceAccountToken", pod.get("automountServiceAccountToken"), False)])
    check("package index probes: readiness and liveness GET /health on port http",
          [expect(f"{p}.httpGet", {k: c.get(p, {}).get("httpGet", {}).get(k) for k in ("path", "port")},
                  {"path": "/health", "port": "http"}) for p in ("readinessProbe", "livenessProbe")])
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    check("package index writes only /data/packages (the PVC) and /tmp (an emptyDir); no credentials mounted",
          [expect("mounts", sorted(mounts), ["/data/packages", "/tmp"]),
           expect("/data/packages volume", volumes.get(mounts.get("/data/packages", {}).get("name"), {}).get("persistentVolumeClaim"),
                  {"claimName": name}),
           expect("/tmp volume", volumes.get(mounts.get("/tmp", {}).get("name"), {}).get("emptyDir"), {})])
    requests = pvc["spec"].get("resources", {}).get("requests", {})
    check("package index PersistentVolumeClaim: ReadWriteOnce, 10Gi, the default StorageClass, kept on uninstall",
          [expect("accessModes", pvc["spec"].get("accessModes"), ["ReadWriteOnce"]),
           expect("storage", requests.get("storage"), "10Gi"),
           expect("storageClassName", pvc["spec"].get("storageClassName"), None),
           expect("resource-policy", pvc["metadata"].get("annotations", {}).get("helm.sh/resource-policy"), "keep")])

    operator = find(objs, "Deployment", fullname)
    metrics = find(objs, "Service", (operator or {}).get("metadata", {}).get("name", "") + "-metrics")
    index_labels = deploy["spec"]["template"]["metadata"]["labels"]
    operator_labels = operator["spec"]["template"]["metadata"]["labels"] if operator else {}
    check("package index Service: ClusterIP, port 8080 to http, selecting the index's pods and no operator pod; "
          "no selector of the operator's selects the index's pods",
          [expect("type", svc["spec"].get("type"), "ClusterIP"),
           expect("ports", [(p.get("name"), p["port"], p.get("targetPort")) for p in svc["spec"]["ports"]], [("http", 8080, "http")]),
           expect("selector", svc["spec"]["selector"], spec["selector"]["matchLabels"]),
           None if matches(svc["spec"]["selector"], index_labels) else "the Service does not select the index's pods",
           "the Service selects the operator's pods" if matches(svc["spec"]["selector"], operator_labels) else None,
           "no operator Deployment or metrics Service rendered" if not (operator and metrics) else None,
           "the operator's Deployment selects the index's pods"
           if operator and matches(operator["spec"]["selector"]["matchLabels"], index_labels) else None,
           "the metrics Service selects the index's pods"
           if metrics and matches(metrics["spec"]["selector"], index_labels) else None,
           expect("component label", index_labels.get("app.kubernetes.io/component"), "package-index")])
    check(f"operator: SLIPWAY_PIP_INDEX_URL={url}",
          [expect("SLIPWAY_PIP_INDEX_URL", env_of(container(operator)).get("SLIPWAY_PIP_INDEX_URL") if operator else None, url)])

    objs = objects(credentials_file)
    deploy = find(objs, "Deployment", name)
    if deploy is None:
        check("uploadCredentialsSecret rendering accepted", [f"no Deployment {name}"])
    else:
        pod, c = deploy["spec"]["template"]["spec"], container(deploy)
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
        creds = mounts.get("/etc/slipway/package-index", {})
        secret = volumes.get(creds.get("name"), {}).get("secret", {})
        check("uploadCredentialsSecret: Secret index-uploaders' key htpasswd mounted read-only at /etc/slipway/package-index",
              [None if creds else "nothing mounted at /etc/slipway/package-index",
               expect("readOnly", creds.get("readOnly"), True),
               expect("secretName", secret.get("secretName"), "index-uploaders"),
               expect("items", secret.get("items"), [{"key": "htpasswd", "path": "htpasswd"}]),
               expect("PACKAGE_INDEX_HTPASSWD", env_of(c).get("PACKAGE_INDEX_HTPASSWD"), "/etc/slipway/package-index/htpasswd")])
        check("persistence.enabled=false: /data/packages is an emptyDir, no PersistentVolumeClaim",
              [expect("/data/packages volume", volumes.get(mounts.get("/data/packages", {}).get("name"), {}).get("emptyDir"), {}),
               "a PersistentVolumeClaim rendered" if find(objs, "PersistentVolumeClaim", name) else None])

    objs = objects(explicit_file)
    operator = find(objs, "Deployment", fullname)
    check(f"an explicit build.pipIndexUrl wins over the package index ({explicit_url})",
          [expect("SLIPWAY_PIP_INDEX_URL", env_of(container(operator)).get("SLIPWAY_PIP_INDEX_URL") if operator else None,
                  explicit_url),
           None if find(objs, "Service", name) else f"no Service {name} (the index is still installed)"])


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    for ok, what in results:
        print(("ok " if ok else "not ok ") + what)
    sys.exit(0 if all(ok for ok, _ in results) else 1)
