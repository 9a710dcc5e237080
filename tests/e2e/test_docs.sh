#!/usr/bin/env bash
# e2e: the documentation stands alone and says what the binary does.
#   * No markdown file of the repository sends its reader to the
#     specification directory (CANON.md, CLI.md, CONTRACT.md, DESIGN.md,
#     ../shared), which is not part of the repository, except in a paragraph
#     that says exactly that ("not part of this repository").
#   * Every relative markdown link [text](path) and every backticked
#     `docs/x.md` (or other `*.md` path) names a file of the repository, and a
#     link's #anchor names a heading of that file.
#   * docs/github.md quotes what `kanon ci github --loop-guard paths` prints,
#     and docs/gitlab.md says what the generated file does about
#     GIT_STRATEGY: both are checked against the binary's output.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }
SRC="${KANON_SOURCE_DIR:-$(cd "$E2E_LIB_DIR/../.." && pwd)}"
[[ -f "$SRC/README.md" && -d "$SRC/docs" ]] || fail "no source tree at $SRC (set KANON_SOURCE_DIR)"

# The markdown files of the repository (git's list when this is a checkout,
# else every *.md outside build trees).
md_list="$E2E_TMP/md-files"
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$SRC" ls-files -z -- '*.md' | tr '\0' '\n' >"$md_list"
    git -C "$SRC" ls-files -z | tr '\0' '\n' >"$E2E_TMP/all-files"
else
    (cd "$SRC" && find . -name '*.md' -not -path './build*' -not -path './.git/*' | sed 's|^\./||' | sort) >"$md_list"
    (cd "$SRC" && find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||' | sort) >"$E2E_TMP/all-files"
fi
[[ -s "$md_list" ]] || fail "no markdown files found in $SRC"
grep -qx 'docs/cli.md' "$md_list" || fail "docs/cli.md is not in the repository"

step "markdown: no reading list outside the repository; every link and docs path resolves"
python3 - "$SRC" "$md_list" "$E2E_TMP/all-files" <<'EOF' || fail "the markdown files above are wrong"
import os, re, sys

src, md_list, all_list = sys.argv[1], sys.argv[2], sys.argv[3]
md_files = [l for l in open(md_list, encoding="utf-8").read().splitlines() if l]
files = set(l for l in open(all_list, encoding="utf-8").read().splitlines() if l)
dirs = set()
for f in files:
    parts = f.split("/")
    for i in range(1, len(parts)):
        dirs.add("/".join(parts[:i]))

# Anything that points into the specification directory.
SPEC = re.compile(r"CANON\.md|CLI\.md|CONTRACT\.md|DESIGN\.md|runbook-release-promotion|(?<![A-Za-z0-9_])shared/")
SAYS_OUTSIDE = "not part of this repository"
# A unit of text: a paragraph, a list item or a table row (a mention is
# allowed only where its own unit says the directory is outside the repository).
STARTS_UNIT = re.compile(r"^\s*([*+-]\s|\d+[.)]\s|\|)")
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!\!)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
MD_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*\.md(#[A-Za-z0-9_-]+)?$")

problems = []

def slug(heading):
    # GitHub's anchors: lower case, punctuation dropped, spaces to hyphens.
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")

anchors_cache = {}
def anchors(path):
    if path not in anchors_cache:
        found, seen, fenced = set(), {}, False
        for line in open(os.path.join(src, path), encoding="utf-8"):
            if FENCE.match(line):
                fenced = not fenced
                continue
            m = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                s = slug(m.group(1))
                n = seen.get(s, 0)
                seen[s] = n + 1
                found.add(s if n == 0 else f"{s}-{n}")
        anchors_cache[path] = found
    return anchors_cache[path]

def resolve(base_dir, target):
    """The repository path a relative target names ("" for the root), or None outside it."""
    p = os.path.normpath(os.path.join(base_dir, target))
    if p == ".":
        return ""
    if p == ".." or p.startswith("../") or os.path.isabs(p):
        return None
    return p

def check_target(md, lineno, target, base_dirs, what):
    path, _, anchor = target.partition("#")
    for base in base_dirs:
        p = resolve(base, path) if path else md
        if p is None:
            continue
        if p in files or p in dirs or p == "":
            if anchor and p.endswith(".md") and anchor not in anchors(p):
                problems.append(f"{md}:{lineno}: {what} {target}: {p} has no heading #{anchor}")
            return
    problems.append(f"{md}:{lineno}: {what} {target} is not a file of the repository")

for md in md_files:
    lines = open(os.path.join(src, md), encoding="utf-8").read().splitlines()
    md_dir = os.path.dirname(md)
    # (a) units that mention the specification directory must say it is outside.
    units, cur, fenced = [], [], False
    for i, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
        if not line.strip() or (not fenced and STARTS_UNIT.match(line)):
            if cur:
                units.append(cur)
            cur = []
        if line.strip():
            cur.append((i, line))
    if cur:
        units.append(cur)
    for unit in units:
        text = " ".join(l.strip() for _, l in unit)
        if SAYS_OUTSIDE in text:
            continue
        for i, line in unit:
            m = SPEC.search(line)
            if m:
                problems.append(f"{md}:{i}: mentions {m.group(0)!r} (the specification directory, "
                                f"not part of the repository): {line.strip()}")
    # (b) links and backticked markdown paths.
    fenced = False
    for i, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        spans = [m.group(2).strip() for m in CODE_SPAN.finditer(line)]
        prose = CODE_SPAN.sub("", line)
        for rx in (LINK, IMAGE):
            for m in rx.finditer(prose):
                target = m.group(1)
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                    continue
                check_target(md, i, target, [md_dir], "link")
        for span in spans:
            if MD_PATH.match(span):
                # Written from the repository's root (`docs/rules.md`), or beside the file.
                check_target(md, i, span, ["", md_dir], "path")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"{len(md_files)} markdown files checked", file=sys.stderr)
EOF

step "docs/github.md: what 'kanon ci github --loop-guard paths' prints"
# The doc quotes it as a fenced block that starts with the command line.
quoted="$(awk '
    /^```/ { if (inside) { if (seen) exit; inside = 0; next } inside = 1; first = 1; next }
    inside && first { first = 0; if ($0 == "$ kanon ci github --loop-guard paths") seen = 1; next }
    inside && seen { print }
    ' "$SRC/docs/github.md")"
[[ -n "$quoted" ]] || fail "docs/github.md has no fenced block starting with '\$ kanon ci github --loop-guard paths'"
expect_exit 2 "$KANON" ci github --loop-guard paths
expect_eq "$ERR" "$quoted" "stderr of 'kanon ci github --loop-guard paths' (as docs/github.md quotes it)"
expect_eq "$OUT" "" "stdout of 'kanon ci github --loop-guard paths' (the doc: it writes nothing)"
expect_contains "$(cat "$SRC/docs/github.md")" "exits 2" "docs/github.md"
# "The workflow's kanon commands always commit with [skip ci]".
for args in "" "--gate manual" "--http" "synestra-io blog-synestra-io"; do
    # shellcheck disable=SC2086  # the flags split on purpose
    expect_exit 0 "$KANON" ci github $args
    expect_not_contains "$OUT" "--no-skip-ci" "kanon ci github $args"
done

step "docs/gitlab.md: what the generated file does about GIT_STRATEGY"
gitlab_doc="$(cat "$SRC/docs/gitlab.md")"
variants=("" "--include" "--http" "--gate manual" "--loop-guard paths" "synestra-io blog-synestra-io"
    "--build-script make")
claims="$(grep -o 'GIT_STRATEGY: [A-Za-z]*' "$SRC/docs/gitlab.md" | sort -u || true)"
# shellcheck disable=SC2016  # the backticks are markdown, not a command
if [[ "$gitlab_doc" == *'sets no `GIT_STRATEGY`'* ]]; then
    [[ -z "$claims" ]] || fail "docs/gitlab.md says the file sets no GIT_STRATEGY, and also names: $claims"
    for args in "${variants[@]}"; do
        # shellcheck disable=SC2086
        expect_exit 0 "$KANON" ci gitlab $args
        expect_not_contains "$OUT" "GIT_STRATEGY" "kanon ci gitlab $args (docs/gitlab.md: it sets no GIT_STRATEGY)"
    done
else
    [[ -n "$claims" ]] || fail "docs/gitlab.md says nothing about GIT_STRATEGY"
    expect_exit 0 "$KANON" ci gitlab
    while IFS= read -r claim; do
        expect_contains "$OUT" "$claim" "kanon ci gitlab (docs/gitlab.md says '$claim')"
    done <<<"$claims"
fi
# The build job's placeholder, as the doc quotes it.
placeholder="$(grep -m1 '# This job checks out' "$SRC/docs/gitlab.md" | sed 's/^ *//' || true)"
[[ -n "$placeholder" ]] || fail "docs/gitlab.md does not quote the build job's placeholder"
expect_exit 0 "$KANON" ci gitlab
expect_contains "$OUT" "    $placeholder" "kanon ci gitlab (the placeholder docs/gitlab.md quotes)"

echo "PASS: $E2E_NAME"
