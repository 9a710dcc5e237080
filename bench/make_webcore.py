#!/usr/bin/env python3
"""Generate the reference web-core repository for kanon's benchmarks.

    bench/make_webcore.py OUT.git [--apps N] [--commits M] [--seed S] [--branch B]

Writes a new bare git repository OUT.git in the canon layout (CANON.md, 1):
for each of N apps (default 2000) named siteNNNNN-example-com, six files

    deploy/env/release-{dev,prod}/APP.yaml   image.repository + image.tag
    deploy/env/{dev,prod}/APP.yaml           env layer (domain, env, secret refs)
    deploy/argocd/apps/{dev,prod}/APP.yaml   the Argo CD Application

plus the chart (deploy/charts/web/{Chart,values}.yaml) and a README.md, in one
initial commit, followed by M promotion commits (default 20000) on branch B
(default main), each changing one release file the way CI does: about 60 %
are dev releases of a new tag, the rest promote an app's dev tag to prod (an
app whose prod already runs its dev tag gets a dev release instead, so every
commit changes exactly one file). Commit messages carry kanon's trailers.

The history is written with one `git fast-import` stream; nothing is checked
out. The output is the same for the same arguments (fixed seed, fixed dates,
fixed identities), whatever the environment: the git identity and dates come
from the stream, not from the user's config or clock.

Cost on a 2-core VM: ~40 s of CPU for 20,000 commits (35 MB packed), ~6 min
for 200,000 (315 MB); most of it is fast-import deltifying the 2000-entry
release directory tree that every commit rewrites.

Needs python3 and git only.
"""
import argparse
import hashlib
import os
import random
import subprocess
import sys

EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z; each commit is 1-15 minutes after the previous
BOT = b"web-core CI <ci@web-core.example.com>"
DEVELOPERS = [f"Developer {c} <dev-{c.lower()}@example.com>".encode() for c in "ABCDEFGH"]


def app_name(i):
    return f"site{i:05d}-example-com"


def image_of(app):
    return f"registry.example.com/web/web-{app}"


def build_tag(seed, serial):
    """An image tag as the platform CI makes them: the 40-hex source commit."""
    return hashlib.sha1(b"web-core build %d %d" % (seed, serial)).hexdigest()


def release_file(app, tag):
    return f'image:\n  repository: {image_of(app)}\n  tag: "{tag}"\n'.encode()


def env_file(app, i, stage):
    host = f"site{i:05d}.example.com"
    if stage != "prod":
        host = f"{stage}.{host}"
    return "".join([
        f"# {stage} layer of {app}: domain, environment, secret references\n",
        "ingress:\n", f"  host: {host}\n",
        "env:\n", f"  SYNESTRA_ENV: {stage}\n",
        "envFrom:\n", "  - secretRef:\n", f"      name: web-{app}-{stage}-env\n",
        "imagePullSecrets:\n", "  - name: gitlab-regcred\n",
    ]).encode()


def application_file(app, stage):
    name = f"web-{app}-{stage}"
    return "\n".join([
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Application",
        "metadata:",
        f"  name: {name}",
        "  namespace: argocd",
        "spec:",
        "  project: default",
        "  source:",
        "    repoURL: https://git.example.com/synestra/web-core.git",
        "    targetRevision: main",
        "    path: deploy/charts/web",
        "    helm:",
        "      valueFiles:",
        f"        - ../../env/release-{stage}/{app}.yaml",
        f"        - ../../env/{stage}/{app}.yaml",
        "  destination:",
        "    server: https://kubernetes.default.svc",
        f"    namespace: {name}",
        "  syncPolicy:",
        "    automated:",
        "      prune: true",
        f"      selfHeal: {'true' if stage == 'prod' else 'false'}",
        "    syncOptions:",
        "      - CreateNamespace=true",
        "",
    ]).encode()


STATIC_FILES = [
    ("README.md", b"# web-core\n\nThe GitOps source of truth of the web sites: Helm values and Argo CD Applications.\n"),
    ("deploy/charts/web/Chart.yaml", b"apiVersion: v2\nname: web\ndescription: one web site\nversion: 0.1.0\n"),
    ("deploy/charts/web/values.yaml",
     b"replicaCount: 1\nimage:\n  repository: registry.example.com/web/placeholder\n  tag: \"0\"\n"
     b"  pullPolicy: IfNotPresent\nservice:\n  port: 3000\n"),
]


def message(action, app, stage, tag, source=None):
    """A release commit message in kanon's format (src/canon/release.cpp)."""
    subject = f"{action}({stage}): {app} {tag[:12]}" + (f" from {source}" if source else "") + " [skip ci]"
    trailers = [f"Kanon-Action: {action}", f"Kanon-App: {app}", f"Kanon-Stage: {stage}",
                f"Kanon-Tag: {tag}", f"Kanon-Repository: {image_of(app)}"]
    if source:
        trailers.append(f"Kanon-From: {source}")
    return (subject + "\n\n" + "\n".join(trailers) + "\n").encode()


class Stream:
    """The fast-import input, buffered: one write() per ~1 MB."""

    def __init__(self, pipe, branch):
        self.pipe, self.ref, self.buf, self.size = pipe, f"refs/heads/{branch}".encode(), [], 0

    def put(self, *parts):
        for p in parts:
            self.buf.append(p)
            self.size += len(p)
        if self.size >= 1 << 20:
            self.flush()

    def flush(self):
        self.pipe.write(b"".join(self.buf))
        self.buf, self.size = [], 0

    def blob(self, content):
        self.put(b"data %d\n" % len(content), content, b"\n")

    def commit(self, when, author, msg, files):
        self.put(b"commit ", self.ref, b"\n",
                 b"author ", author, b" %d +0000\n" % when,
                 b"committer ", BOT, b" %d +0000\n" % when)
        self.blob(msg)
        for path, content in files:
            self.put(b"M 100644 inline ", path.encode(), b"\n")
            self.blob(content)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the bare repository to create (must not exist, or be empty)")
    ap.add_argument("--apps", type=int, default=2000, help="number of apps (default 2000)")
    ap.add_argument("--commits", type=int, default=20000,
                    help="promotion commits after the initial one (default 20000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--branch", default="main", help="branch name (default main)")
    a = ap.parse_args()
    if a.apps < 1 or a.commits < 0:
        ap.error("--apps must be >= 1 and --commits >= 0")
    if os.path.exists(a.out) and os.listdir(a.out):
        ap.error(f"{a.out} exists and is not empty")

    # The output must not depend on the caller's git configuration.
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null", LC_ALL="C")
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(k, None)
    subprocess.run(["git", "init", "-q", "--bare", "--template=", "-b", a.branch, a.out], check=True, env=env)
    fi = subprocess.Popen(["git", "--git-dir", a.out, "fast-import", "--quiet", "--done"],
                          stdin=subprocess.PIPE, env=env)
    s = Stream(fi.stdin, a.branch)
    rnd = random.Random(a.seed)
    when = EPOCH

    # The initial layout: every app's dev and prod run the same build.
    files = list(STATIC_FILES)
    dev, prod = [], []
    for i in range(a.apps):
        app = app_name(i)
        tag = build_tag(a.seed, i)
        dev.append(tag)
        prod.append(tag)
        for stage in ("dev", "prod"):
            files.append((f"deploy/env/release-{stage}/{app}.yaml", release_file(app, tag)))
            files.append((f"deploy/env/{stage}/{app}.yaml", env_file(app, i, stage)))
            files.append((f"deploy/argocd/apps/{stage}/{app}.yaml", application_file(app, stage)))
    s.commit(when, BOT, f"web-core: canon layout for {a.apps} apps\n".encode(), files)

    # The promotions.
    for n in range(1, a.commits + 1):
        when += rnd.randint(60, 900)
        i = rnd.randrange(a.apps)
        app = app_name(i)
        author = DEVELOPERS[rnd.randrange(len(DEVELOPERS))]
        if rnd.random() < 0.4 and prod[i] != dev[i]:
            prod[i] = dev[i]
            stage, tag, msg = "prod", dev[i], message("promote", app, "prod", dev[i], "dev")
        else:
            dev[i] = build_tag(a.seed, a.apps + n)
            stage, tag, msg = "dev", dev[i], message("release", app, "dev", dev[i])
        s.commit(when, author, msg, [(f"deploy/env/release-{stage}/{app}.yaml", release_file(app, tag))])
        if n % 20000 == 0:
            print(f"make_webcore: {n}/{a.commits} commits", file=sys.stderr, flush=True)

    s.put(b"done\n")
    s.flush()
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("make_webcore: git fast-import failed")
    # fast-import's pack is kept as it is (deltas against each path's previous
    # version); small repositories are cheap enough to repack tightly.
    if a.commits < 5000:
        subprocess.run(["git", "--git-dir", a.out, "gc", "-q", "--aggressive"], check=True, env=env)


if __name__ == "__main__":
    main()
