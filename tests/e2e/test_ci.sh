# shellcheck shell=bash
# e2e: `kanon ci gitlab|github`. Every option combination validates against
# the platform's own JSON schema (../shared/ci) and holds what kanon promises;
# then the generated GitLab pipeline is run job by job, as a runner would,
# against the sandbox: its kanon commands are real commands that work.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }
ci_dir="${KANON_SHARED_DIR:-$KANON_SOURCE_DIR/../shared}/ci"
if [[ ! -f "$ci_dir/gitlab-ci.schema.json" || ! -f "$ci_dir/github-workflow.schema.json" ]]; then
    echo "SKIP: $ci_dir has no CI schemas (the spec directory is not beside this checkout)" >&2
    exit 77
fi
py=""
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import yaml, jsonschema' 2>/dev/null; then py="$p"; break; fi
done
[[ -n "$py" ]] || fail "python3 with yaml and jsonschema is missing: run scripts/install-deps"
check="$KANON_SOURCE_DIR/tests/e2e/ci_check.py"

step "every option combination, both platforms: the schema and kanon's own expectations"
out="$E2E_TMP/gen"
mkdir -p "$out"
pairs=()
n=0
for gate in auto manual; do
    for http in "" --http; do
        for apps in "" "synestra-io kite-blog"; do
            for build in "" "--build-script=docker build -t registry.example.com/web/\$APP:\$KANON_TAG ."; do
                args=(--gate "$gate")
                [[ -n "$http" ]] && args+=("$http")
                [[ -n "$build" ]] && args+=("$build")
                # shellcheck disable=SC2206  # the app list splits on purpose
                [[ -n "$apps" ]] && args+=($apps)
                for include in "" --include; do
                    for guard in skip-ci paths; do
                        n=$((n + 1))
                        f="$out/gitlab-$n.yml"
                        a=("${args[@]}" --loop-guard "$guard")
                        [[ -n "$include" ]] && a+=("$include")
                        "$KANON" ci gitlab "${a[@]}" >"$f" 2>"$ERR_FILE" || { cat "$ERR_FILE" >&2; fail "kanon ci gitlab ${a[*]}"; }
                        pairs+=("gitlab:$f")
                        "$KANON" ci gitlab "${a[@]}" --trigger group/platform >"$f.trigger" || fail "--trigger ${a[*]}"
                        pairs+=("trigger:$f.trigger")
                    done
                done
                f="$out/github-$n.yml"
                "$KANON" ci github "${args[@]}" >"$f" 2>"$ERR_FILE" || { cat "$ERR_FILE" >&2; fail "kanon ci github ${args[*]}"; }
                pairs+=("github:$f")
            done
        done
    done
done
"$py" "$check" validate "$ci_dir" "${pairs[@]}" || fail "a generated CI file is wrong (above)"
echo "validated ${#pairs[@]} generated files" >&2

step "the schema check can fail: a broken file is caught"
sed 's/^  stage: build$/  stage: [build/' "$out/gitlab-1.yml" >"$out/broken.yml"
if "$py" "$check" validate "$ci_dir" "gitlab:$out/broken.yml" 2>/dev/null; then fail "a broken file passed"; fi
sed 's/^  resource_group: .*$//' "$out/gitlab-1.yml" >"$out/nogroup.yml"
if "$py" "$check" validate "$ci_dir" "gitlab:$out/nogroup.yml" 2>/dev/null; then fail "a job without resource_group passed"; fi

step "the CI/CD component: committed as kanon writes it; valid; the same jobs as the fragment of each option"
"$KANON" ci gitlab --component >"$out/component.yml" || fail "kanon ci gitlab --component"
cmp -s "$out/component.yml" "$KANON_SOURCE_DIR/templates/kanon-promote.yml" ||
    fail "templates/kanon-promote.yml is not what 'kanon ci gitlab --component' writes: regenerate it with
  kanon ci gitlab --component > templates/kanon-promote.yml
$(diff "$KANON_SOURCE_DIR/templates/kanon-promote.yml" "$out/component.yml" | head -20)"
frags=()
for gate in auto manual; do
    for guard in skip-ci paths; do
        for http in "" --http; do
            f="$out/fragment-$gate-$guard${http}.yml"
            # shellcheck disable=SC2086  # no --http: no word
            "$KANON" ci gitlab --include --gate "$gate" --loop-guard "$guard" $http synestra-io >"$f"
            frags+=("$f")
        done
    done
done
"$py" "$check" component "$ci_dir" "$out/component.yml" "${frags[@]}" || fail "the component differs from the fragments"
"$KANON" ci gitlab --component --gate manual --http >"$out/component-manual.yml"
expect_file_default() { grep -A4 "^    $1:" "$out/component-manual.yml" | grep -q "default: $2" || fail "input $1's default is not $2"; }
expect_file_default gate manual
expect_file_default http true
sed 's/^      options: \[auto, manual\]$/      options: auto/' "$out/component.yml" >"$out/component-broken.yml"
if "$py" "$check" component "$ci_dir" "$out/component-broken.yml" "${frags[0]}" 2>/dev/null; then
    fail "a component with a broken spec passed"
fi

step "usage errors"
expect_exit 2 "$KANON" ci github --component
expect_contains "$ERR" "action.yml"
expect_exit 2 "$KANON" ci gitlab --component synestra-io
expect_contains "$ERR" "one app, named by its \`app\` input"
expect_exit 2 "$KANON" ci gitlab --component --include
expect_exit 2 "$KANON" ci gitlab --component --trigger group/platform
expect_exit 2 "$KANON" ci jenkins
expect_exit 2 "$KANON" ci gitlab --gate later
expect_exit 2 "$KANON" ci gitlab Bad_App
expect_exit 2 "$KANON" ci github --include
expect_exit 2 "$KANON" ci github --trigger group/platform
expect_exit 2 "$KANON" ci gitlab --loop-guard never
expect_exit 2 "$KANON" ci github --loop-guard paths
printf 'stages:\n  - name: dev\n  - name: qa\n  - name: prod\n' >"$E2E_TMP/three.yaml"
expect_exit 2 "$KANON" --config "$E2E_TMP/three.yaml" ci gitlab
expect_contains "$ERR" "two-stage release flow (docs/canon.md)"

step "the generated GitLab pipeline, run job by job against the sandbox"
SB="$E2E_TMP/sb"
start_sandbox "$SB" --apps 1 --poll 1s --sync-time 200ms --rollout 300ms --progress-deadline 1s
mkdir -p "$E2E_TMP/bin"
ln -s "$KANON" "$E2E_TMP/bin/kanon"
"$KANON" ci gitlab >"$E2E_TMP/pipeline.yml"
ref="$(git ls-remote "$KANON_SANDBOX_REPO" HEAD | cut -f1)"
[[ ${#ref} == 40 ]] || fail "no web-core tip"
PATH="$E2E_TMP/bin:$PATH" KANON_REPO="$KANON_SANDBOX_REPO" WEB_CORE_REF="$ref" APP=synestra-io \
    "$py" "$check" run-gitlab "$E2E_TMP/pipeline.yml" "$E2E_TMP/jobs" || fail "the generated pipeline failed"
expect_exit 0 "$KANON" -o json status synestra-io --repo "$KANON_SANDBOX_REPO"
expect_json "$OUT" "d['apps'][0]['stages']['prod']['tag'] == '$ref' and d['apps'][0]['stages']['dev']['tag'] == '$ref'"
[[ -s "$E2E_TMP/jobs/promote-prod/kanon-promote-prod.xml" ]] || fail "promote-prod wrote no JUnit report"
expect_exit 0 "$KANON" verify-build --ref "$ref" --tag "$ref" --repo "$KANON_SANDBOX_REPO"
expect_contains "$OUT" "released before from this same commit"

step "the same pipeline again is idempotent: no new commit"
before="$(git ls-remote "$KANON_SANDBOX_REPO" HEAD | cut -f1)"
PATH="$E2E_TMP/bin:$PATH" KANON_REPO="$KANON_SANDBOX_REPO" WEB_CORE_REF="$ref" APP=synestra-io \
    "$py" "$check" run-gitlab "$E2E_TMP/pipeline.yml" "$E2E_TMP/jobs2" || fail "the re-run failed"
expect_eq "$(git ls-remote "$KANON_SANDBOX_REPO" HEAD | cut -f1)" "$before" "web-core's tip after the re-run"

step "the generated GitHub workflow, run job by job against the sandbox, for a new web-core commit"
webcore_tip() { git ls-remote "$KANON_SANDBOX_REPO" HEAD | cut -f1; }
work="$E2E_TMP/webcore-work"
git clone -q "$KANON_SANDBOX_REPO" "$work"
git -C "$work" -c user.name=dev -c user.email=dev@example.com commit -q --allow-empty -m "a change to the app"
git -C "$work" push -q origin HEAD
ref2="$(webcore_tip)"
"$KANON" ci github >"$E2E_TMP/workflow.yml"
PATH="$E2E_TMP/bin:$PATH" KANON_REPO="$KANON_SANDBOX_REPO" \
    "$py" "$check" run-github "$E2E_TMP/workflow.yml" "$E2E_TMP/gh-jobs" \
    "{\"app\": \"synestra-io\", \"ref\": \"$ref2\", \"tag\": \"\"}" || fail "the generated workflow failed"
expect_exit 0 "$KANON" -o json status synestra-io --repo "$KANON_SANDBOX_REPO"
expect_json "$OUT" "d['apps'][0]['stages']['prod']['tag'] == '$ref2'"

echo "PASS: $E2E_NAME"
