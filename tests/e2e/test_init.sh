#!/usr/bin/env bash
# e2e: `kanon init` into an empty git repository — the six files and the
# chart, a re-run that changes nothing, kept/--force, --dry-run, JSON, exit
# codes, nothing committed; the platform with a fake sops (tests/support/
# fake-sops on PATH) and without one; then `kanon check`, once it exists.
set -u
. "$(dirname "$0")/lib.sh"

IMAGE=registry.example.com/acme/demo
git init -q web-core
git -C web-core remote add origin "https://ci:glpat-AbCdEf0123456789xyz@gitlab.example.com/acme/web-core.git"
SIX="deploy/env/release-dev/demo.yaml deploy/env/dev/demo.yaml deploy/argocd/apps/dev/demo.yaml
deploy/env/release-prod/demo.yaml deploy/env/prod/demo.yaml deploy/argocd/apps/prod/demo.yaml"

# --- a fresh checkout -------------------------------------------------------
expect_exit 0 "$KANON" init demo --domain example.org --image "$IMAGE" --tag 1.0 --dir web-core
for f in deploy/charts/web/values.yaml deploy/charts/web/Chart.yaml $SIX; do
    [[ -f "web-core/$f" ]] || fail "web-core/$f was not written"
    expect_contains "$OUT" "created  web-core  $f"
done
expect_contains "$OUT" "Still to run (kanon commits nothing):"
expect_contains "$OUT" "  git -C web-core add -- deploy/charts/web/values.yaml deploy/charts/web/Chart.yaml deploy/env/release-dev/demo.yaml"
expect_eq "$(cat web-core/deploy/env/release-dev/demo.yaml)" "$(printf 'image:\n  repository: %s\n  tag: "1.0"' "$IMAGE")" "release-dev"
expect_eq "$(cat web-core/deploy/env/dev/demo.yaml)" "# dev layer of demo: its domain, its stage and references to its Secrets, nothing else.
# Never set image.* here: this file comes after the release file and would override every release.
ingress:
  host: dev.example.org
env:
  SYNESTRA_ENV: dev
envFrom:
  - secretRef:
      name: web-demo-dev-env
imagePullSecrets:
  - name: gitlab-regcred" "dev env layer"
expect_eq "$(cat web-core/deploy/argocd/apps/prod/demo.yaml)" "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-demo-prod
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://gitlab.example.com/acme/web-core.git
    targetRevision: main
    path: deploy/charts/web
    helm:
      valueFiles:
        - ../../env/release-prod/demo.yaml
        - ../../env/prod/demo.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: web-demo-prod
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true" "prod Application"
if grep -r glpat web-core/deploy >/dev/null; then fail "the origin's token reached a file"; fi
# Nothing committed, everything untracked.
if git -C web-core rev-parse -q --verify HEAD >/dev/null; then fail "init made a commit"; fi
expect_contains "$(git -C web-core status --porcelain)" "?? deploy/"

# --- a re-run changes nothing -------------------------------------------------
sums() { find web-core/deploy -type f | sort | xargs sha256sum; }
before="$(sums)"
expect_exit 0 "$KANON" -o json init demo --domain example.org --image "$IMAGE" --tag 1.0 --dir web-core
expect_json "$OUT" '(d["app"] == "demo" and d["ok"] and len(d["files"]) == 8 and d["commands"] == [] and
    all(f["state"] == "unchanged" and f["repo"] == "web-core" and f["secret"] is False and f["note"] == "" for f in d["files"]))'
expect_eq "$(sums)" "$before" "checksums after a re-run"

# --- kept, then --force ----------------------------------------------------------
printf '# mine\n' >> web-core/deploy/env/prod/demo.yaml
expect_exit 0 "$KANON" init demo --domain example.org --image "$IMAGE" --tag 1.0 --dir web-core
expect_contains "$OUT" "kept       web-core  deploy/env/prod/demo.yaml          exists with other content; --force overwrites it"
expect_contains "$(tail -n 1 web-core/deploy/env/prod/demo.yaml)" "# mine"
expect_exit 0 "$KANON" -o json init demo --domain example.org --image "$IMAGE" --tag 1.0 --dir web-core --force
expect_json "$OUT" '[f["path"] for f in d["files"] if f["state"] == "overwritten"] == ["deploy/env/prod/demo.yaml"]'
expect_not_contains "$(cat web-core/deploy/env/prod/demo.yaml)" "# mine"

# --- --dry-run, and the tag from the chart's values ------------------------------------
cd web-core
expect_exit 0 "$KANON" init shop --domain shop.example.org --image "$IMAGE-shop" --dry-run
expect_contains "$OUT" "dry run: nothing was written"
expect_contains "$OUT" "created  web-core  deploy/env/release-dev/shop.yaml"
[[ ! -e deploy/env/release-dev/shop.yaml ]] || fail "--dry-run wrote a file"
expect_exit 0 "$KANON" init shop --domain shop.example.org --image "$IMAGE-shop"
expect_contains "$(cat deploy/env/release-prod/shop.yaml)" 'tag: "1.0"'
cd "$E2E_TMP"

# --- exit codes -------------------------------------------------------------------------
expect_exit 2 "$KANON" init Demo --domain example.org --image "$IMAGE" --tag 1 --dir web-core
expect_contains "$ERR" "kanon: error: 'Demo' is not a valid app name"
expect_exit 2 "$KANON" init demo2 --domain example.org --image "$IMAGE:1.0" --dir web-core
expect_contains "$ERR" "holds a tag; give the tag with --tag"
expect_exit 2 "$KANON" init demo2 --domain https://example.org --image "$IMAGE" --tag 1 --dir web-core
expect_exit 2 "$KANON" init demo2 --domain example.org --image "$IMAGE" --tag 'bad tag' --dir web-core
expect_exit 2 "$KANON" init demo2 --image "$IMAGE" --tag 1 --dir web-core
expect_contains "$ERR" "--domain is required"
mkdir empty
expect_exit 2 "$KANON" init demo2 --domain example.org --image "$IMAGE" --dir empty --repo-url https://x.example/w.git
expect_contains "$ERR" "kanon: hint: give the image tag to deploy with --tag"
expect_exit 2 "$KANON" init demo2 --domain example.org --image "$IMAGE" --tag 1 --dir empty
expect_contains "$ERR" "--repo-url"
expect_exit 2 "$KANON" init demo2 --domain example.org --image "$IMAGE" --tag 1 --dir web-core --database
expect_exit 1 "$KANON" init demo2 --domain example.org --image "$IMAGE" --tag 1 --dir no-such-dir
expect_contains "$ERR" "kanon: error: no-such-dir: no such directory"
expect_exit 2 "$KANON" -o json init Demo --domain example.org --image "$IMAGE" --tag 1 --dir web-core
expect_json "$OUT" 'd["ok"] is False and d["exit_code"] == 2'
[[ ! -e empty/deploy ]] || fail "a failed init wrote files"
expect_exit 0 "$KANON" init --help
expect_contains "$OUT" "--no-pull-secret"
expect_contains "$OUT" "sops"

# --- the platform, with a fake sops --------------------------------------------------------
mkdir -p bin platform
cp "$KANON_SOURCE_DIR/tests/support/fake-sops" bin/sops
printf 'creation_rules:\n  - path_regex: secrets/.*\\.sops\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: age1h3f0ms4v4fjdv6rrl6xzd7e2kuxm5dnc5e7ayl8hv3dz8wfsmgsqzqkr2x\n' \
    > platform/.sops.yaml
git init -q platform
git init -q site && git -C site remote add origin https://gitlab.example.com/acme/web-core.git
SOPS_PATH="$E2E_TMP/bin:$PATH"
expect_exit 0 env PATH="$SOPS_PATH" "$KANON" init demo --domain example.org --image "$IMAGE" --tag 1.0 \
    --dir site --platform platform --database
for s in web-demo-dev/web-demo-dev-env web-demo-dev/gitlab-regcred web-demo-prod/web-demo-prod-env \
         web-demo-prod/gitlab-regcred databases/demo-initdb-secret; do
    f="platform/secrets/$s.sops.yaml"
    [[ -f "$f" ]] || fail "$f was not written"
    expect_contains "$(cat "$f")" "    mac: ENC[AES256_GCM,data:" "$f"
    if grep -E '^  [A-Za-z.]+: (""|demo)$' "$f" >/dev/null; then fail "$f holds a plaintext value"; fi
    expect_contains "$OUT" "created  platform  secrets/$s.sops.yaml"
done
expect_contains "$(cat platform/databases/demo-dev-cnpg.yaml)" "        name: demo-initdb-secret"
expect_contains "$(cat platform/databases/demo-cnpg.yaml)" "  name: demo-cnpg"
expect_contains "$OUT" "  git -C platform add -- secrets/web-demo-dev/web-demo-dev-env.sops.yaml"
expect_not_contains "$OUT" "kubectl"
expect_exit 0 env PATH="$SOPS_PATH" "$KANON" -o json init demo --domain example.org --image "$IMAGE" --tag 1.0 \
    --dir site --platform platform --database
expect_json "$OUT" 'all(f["state"] == "unchanged" for f in d["files"]) and len(d["files"]) == 15 and d["commands"] == []'

# sops failing: nothing is written (the skeleton went to sops on stdin), exit 1 after the report.
mkdir platform-fail && cp platform/.sops.yaml platform-fail/
expect_exit 1 env PATH="$SOPS_PATH" FAKE_SOPS_FAIL=1 "$KANON" init demo --domain example.org --image "$IMAGE" \
    --tag 1.0 --dir site --platform platform-fail --no-pull-secret
expect_contains "$OUT" "skipped    platform  secrets/web-demo-dev/web-demo-dev-env.sops.yaml"
expect_contains "$ERR" "kanon: error: secrets/web-demo-dev/web-demo-dev-env.sops.yaml: sops failed"
expect_contains "$ERR" "sops failed, nothing was written"
[[ -z "$(find platform-fail/secrets -type f 2>/dev/null)" ]] || fail "a file was left in the platform tree"

# --- the platform without sops: no Secret file, the commands instead ----------------------
mkdir platform-plain
expect_exit 0 "$KANON" -o json init demo --domain example.org --image "$IMAGE" --tag 1.0 --dir site \
    --platform platform-plain --no-pull-secret
f=secrets/web-demo-dev/web-demo-dev-env.sops.yaml
expect_json "$OUT" '([f["state"] for f in d["files"] if f["secret"]] == ["skipped", "skipped"] and
    d["commands"][0] == "(cd platform-plain && mkdir -p secrets/web-demo-dev && kubectl create secret generic web-demo-dev-env -n web-demo-dev --from-literal=KEY=... --dry-run=client -o yaml | sops --encrypt --filename-override '"$f"' --input-type yaml --output-type yaml /dev/stdin > '"$f"'.tmp && mv '"$f"'.tmp '"$f"' || rm -f '"$f"'.tmp)")'
[[ ! -e platform-plain/secrets ]] || fail "a Secret was written without sops"
# The printed command, run as a user would (a stand-in kubectl, the fake sops): when
# sops fails nothing is left, when it works only the ciphertext is.
cmd="$(json_get "$OUT" 'd["commands"][0]')"
mkdir -p kube-bin && cp bin/sops kube-bin/sops
printf '#!/bin/sh\nprintf "apiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: web-demo-dev-env\\n  namespace: web-demo-dev\\ndata:\\n  KEY: cGxhaW50ZXh0\\n"\n' >kube-bin/kubectl
chmod +x kube-bin/kubectl kube-bin/sops
cp platform/.sops.yaml platform-plain/
PATH="$E2E_TMP/kube-bin:$PATH" FAKE_SOPS_FAIL=1 bash -c "$cmd" 2>/dev/null || true
[[ -z "$(find platform-plain/secrets -type f 2>/dev/null)" ]] || fail "the printed command left a file when sops failed"
PATH="$E2E_TMP/kube-bin:$PATH" bash -c "$cmd" || fail "the printed command failed"
expect_contains "$(cat "platform-plain/$f")" "KEY: ENC[AES256_GCM,data:" "the file the printed command wrote"
expect_not_contains "$(cat "platform-plain/$f")" "cGxhaW50ZXh0" "the file the printed command wrote"
expect_eq "$(find platform-plain/secrets -type f | wc -l)" 1 "files the printed command left"

# --- kanon check agrees (once the command exists) -----------------------------------------
if "$KANON" check --help >/dev/null 2>&1; then
    expect_exit 0 env PATH="$SOPS_PATH" "$KANON" check --dir site --platform platform
fi

echo "PASS: $E2E_NAME"
