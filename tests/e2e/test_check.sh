#!/usr/bin/env bash
# e2e: `kanon check` on the example web-core, on broken copies of it, with a
# platform repo, and its three output formats and exit codes.
set -u
. "$(dirname "$0")/lib.sh"

cp -r "$KANON_SOURCE_DIR/examples/web-core" "$E2E_TMP/web-core"
cd "$E2E_TMP/web-core"

# The example is in the canon.
expect_exit 0 "$KANON" check
expect_contains "$OUT" "checked 2 apps"
expect_contains "$OUT" "no problems"
expect_exit 0 "$KANON" -o json check
expect_json "$OUT" 'd["ok"] is True and d["findings"] == [] and d["summary"]["apps"] == 2 and len(d["apps"]) == 2'
expect_exit 0 "$KANON" check --format codeclimate
expect_json "$OUT" 'd == []'
expect_exit 0 "$KANON" check --rules
expect_eq "$(printf '%s\n' "$OUT" | grep -c '/')" 21 "kanon check --rules lists the 21 rules of docs/rules.md"

# Break it in three files; every finding is reported, then exit 3.
prod_release=deploy/env/release-prod/synestra-io.yaml
sed -i 's/^  tag: .*/  tag: 1.10/' "$prod_release"
printf 'image:\n  tag: hotfix\n' >> deploy/env/prod/synestra-io.yaml
printf 'a: [\n' > deploy/broken.yaml
expect_exit 3 "$KANON" check --codeclimate "$E2E_TMP/cq.json"
expect_contains "$OUT" "deploy/env/release-prod/synestra-io.yaml"
expect_contains "$OUT" "release/tag-not-string"
expect_contains "$OUT" "env/overrides-image"
expect_contains "$OUT" "yaml/syntax"
expect_contains "$OUT" "3 errors, 0 warnings"
# The Code Quality report has GitLab's required fields.
expect_json "$(cat "$E2E_TMP/cq.json")" 'len(d) == 3 and all(set(["description", "check_name", "fingerprint", "severity", "location"]) <= set(i) and i["location"]["lines"]["begin"] >= 1 for i in d) and len(set(i["fingerprint"] for i in d)) == 3'
expect_exit 3 "$KANON" -o json check
expect_json "$OUT" 'd["ok"] is False and sorted(f["rule"] for f in d["findings"]) == ["env/overrides-image", "release/tag-not-string", "yaml/syntax"]'
expect_json "$OUT" '[(f["file"], f["line"], f["column"]) for f in d["findings"] if f["rule"] == "release/tag-not-string"] == [("deploy/env/release-prod/synestra-io.yaml", 4, 8)]'
# --format wins over -o.
expect_exit 3 "$KANON" -o json check --format codeclimate
expect_json "$OUT" 'isinstance(d, list) and len(d) == 3'

# A directory with no app (a wrong --dir): exit 2 naming the layout, not "no problems".
mkdir -p "$E2E_TMP/not-web-core/deploy"
printf 'a: 1\n' >"$E2E_TMP/not-web-core/deploy/x.yaml"
expect_exit 2 "$KANON" check --dir "$E2E_TMP/not-web-core"
expect_contains "$ERR" "kanon: error: no app in $E2E_TMP/not-web-core: no file there is a release, env or Application file (deploy/env/release-{stage}/{app}.yaml"

# A values file that is a symlink out of the repository: Argo CD refuses it, so do check and explain.
cp -r "$KANON_SOURCE_DIR/examples/web-core" "$E2E_TMP/linked"
printf 'image:\n  repository: r\n  tag: "1"\n' >"$E2E_TMP/outside.yaml"
ln -sf "$E2E_TMP/outside.yaml" "$E2E_TMP/linked/deploy/env/dev/synestra-io.yaml"
expect_exit 3 "$KANON" -o json check synestra-io --dir "$E2E_TMP/linked"
expect_json "$OUT" 'any(f["rule"] == "argocd/value-file-missing" and "outside the repository" in f["message"] and "'"$E2E_TMP/outside.yaml"'" in f["message"] for f in d["findings"])'
expect_exit 1 "$KANON" explain synestra-io --stage dev --dir "$E2E_TMP/linked"
expect_contains "$ERR" "kanon: error: deploy/env/dev/synestra-io.yaml: a symlink to $E2E_TMP/outside.yaml, outside the repository"

# Only one app: the other app's files are not read, nor deploy/broken.yaml.
cp -r "$KANON_SOURCE_DIR/examples/web-core" "$E2E_TMP/clean"
apps="$(cd "$E2E_TMP/clean/deploy/env/release-dev" && ls | sed 's/\.yaml$//')"
other="$(printf '%s\n' $apps | grep -v '^synestra-io$' | head -1)"
expect_exit 0 "$KANON" check "$other"
expect_contains "$OUT" "checked 1 app,"
expect_exit 3 "$KANON" check synestra-io

# A mutable tag is a warning: exit 0, unless --strict.
cd "$E2E_TMP/clean"
sed -i 's/^  tag: .*/  tag: latest/' deploy/env/release-dev/synestra-io.yaml
expect_exit 0 "$KANON" check
expect_contains "$OUT" "0 errors, 1 warning"
expect_exit 3 "$KANON" check --strict
expect_exit 3 "$KANON" -o json check --strict
expect_json "$OUT" 'd["ok"] is False and d["summary"]["warnings"] == 1'
cp "$KANON_SOURCE_DIR/examples/web-core/deploy/env/release-dev/synestra-io.yaml" deploy/env/release-dev/

# A platform repo: a Secret in plain text, and the env Secrets referenced.
mkdir -p "$E2E_TMP/platform/secrets"
cat > "$E2E_TMP/platform/secrets/plain.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: web-synestra-io-dev-env
  namespace: web-synestra-io-dev
stringData:
  DATABASE_URL: postgres://app@db/app
YAML
expect_exit 3 "$KANON" -o json check --platform "$E2E_TMP/platform"
expect_json "$OUT" '"platform/not-encrypted" in [f["rule"] for f in d["findings"]] and "platform/secret-missing" in [f["rule"] for f in d["findings"]]'
expect_json "$OUT" 'all(f["file"].startswith("deploy/") for f in d["findings"] if f["rule"] == "platform/secret-missing")'

# Usage and operation errors.
expect_exit 2 "$KANON" check synestra-oi
expect_contains "$ERR" "no file of . names the app 'synestra-oi'"
expect_contains "$ERR" "did you mean 'synestra-io'?"
expect_exit 2 "$KANON" check '../etc'
expect_exit 2 "$KANON" check --format xml
expect_exit 1 "$KANON" check --dir "$E2E_TMP/nowhere"
expect_contains "$ERR" "is not a directory"
expect_exit 1 "$KANON" check --platform "$E2E_TMP/nowhere"
printf 'paths:\n  relase: x\n' > kanon.yaml
expect_exit 1 "$KANON" check
expect_contains "$ERR" "kanon.yaml:2:11: unknown key 'relase'"

echo "PASS: $E2E_NAME"
