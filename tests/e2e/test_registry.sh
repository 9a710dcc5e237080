#!/usr/bin/env bash
# e2e: registry-aware releases against the real CNCF distribution registry
# (Debian's docker-registry) on loopback, with images pushed by skopeo from
# tiny OCI layouts (tests/e2e/oci_layout.py): with kanon.yaml's registry:
# section a release needs its tag in the registry (a typo is refused with
# exit 4 before anything is committed, naming the nearest tags), records the
# digest (Kanon-Digest, release_keys.digest, history), a multi-arch index is
# a tag like any other; --no-registry-check says it skipped; htpasswd Basic
# auth from the environment and from docker's config.json, refusals naming
# the credential source and never a password; token auth as GitLab's
# registry and Docker Hub do it (tests/e2e/registry_token_server.py signs the
# tokens the real registry checks); release --latest; a registry that is down.
source "$(dirname "$0")/lib.sh"

step() { echo "--- $*" >&2; }
for tool in docker-registry skopeo htpasswd; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "SKIP: $tool is not installed (make test installs docker-registry, skopeo, apache2-utils)" >&2; exit 77; }
done
layout="$KANON_SOURCE_DIR/tests/e2e/oci_layout.py"
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >"$E2E_TMP/policy.json"

# start_registry NAME [AUTH_YAML]: a registry on a free loopback port; sets $REG (HOST:PORT).
start_registry() {
    local name="$1" auth="${2:-}" port
    port="$(free_port)"
    mkdir -p "$E2E_TMP/$name"
    {
        printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$E2E_TMP/$name/data"
        printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
        [[ -n "$auth" ]] && printf '%s\n' "$auth"
    } >"$E2E_TMP/$name/config.yml"
    docker-registry serve "$E2E_TMP/$name/config.yml" >"$E2E_TMP/$name/log" 2>&1 &
    local pid=$!
    on_exit "kill $pid 2>/dev/null"
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
        kill -0 "$pid" 2>/dev/null || fail "the registry $name died: $(cat "$E2E_TMP/$name/log")"
        sleep 0.05
    done
    REG="127.0.0.1:$port"
}
# push REG REPOSITORY TAG [--multi-arch] [skopeo flags...]: prints the digest.
push() {
    local reg="$1" repo="$2" tag="$3"
    shift 3
    local extra=() flags=()
    [[ "${1:-}" == --multi-arch ]] && { extra+=(--multi-arch); flags+=(--all); shift; }
    local digest
    digest="$(python3 "$layout" "$E2E_TMP/oci" "$tag" "${extra[@]}")"
    skopeo --policy "$E2E_TMP/policy.json" copy -q --preserve-digests --dest-tls-verify=false "${flags[@]}" "$@" \
        "oci:$E2E_TMP/oci:$tag" "docker://$reg/$repo:$tag" >/dev/null || fail "skopeo could not push $repo:$tag"
    echo "$digest"
}

step "an anonymous registry, three tags pushed (one a multi-arch index)"
start_registry open
OPEN="$REG"
d101="$(push "$OPEN" web/web-app1 1.0.1)"
d102="$(push "$OPEN" web/web-app1 1.0.2)"
d200="$(push "$OPEN" web/web-app1 2.0.0 --multi-arch)"
python3 "$layout" "$E2E_TMP/oci" 0.9.0 --created 2027-01-01T00:00:00Z >/dev/null  # the last one built
skopeo --policy "$E2E_TMP/policy.json" copy -q --dest-tls-verify=false "oci:$E2E_TMP/oci:0.9.0" \
    "docker://$OPEN/web/web-app1:0.9.0" >/dev/null || fail "skopeo could not push 0.9.0"

# web-core: app1 and app2 in OPEN; the registry check on, the digest written into the release file.
BARE="$E2E_TMP/web-core.git"
make_webcore_apps "$BARE" app1 app2
kanon_yaml=$'registry:\n  hosts:\n    "'"$OPEN"$'":\n      plain_http: true\nrelease_keys:\n  digest: image.digest\n'
webcore_write "$BARE" main "images in the test registry" \
    kanon.yaml "$kanon_yaml" \
    deploy/env/release-dev/app1.yaml "$(release_yaml "$OPEN/web/web-app1" 1.0.0)"$'\n' \
    deploy/env/release-prod/app1.yaml "$(release_yaml "$OPEN/web/web-app1" 1.0.0)"$'\n'
REPO="file://$BARE"

step "a tag that is there: committed, its digest in the trailer and the file"
expect_exit 0 "$KANON" release app1 --tag 1.0.1 --repo "$REPO"
expect_contains "$OUT" "registry $OPEN has web/web-app1:1.0.1 at $d101"
msg="$(git --git-dir="$BARE" log -1 --format=%B main)"
expect_contains "$msg" "Kanon-Digest: $d101"
expect_file_line "$BARE" main deploy/env/release-dev/app1.yaml "  digest: $d101"
expect_file_line "$BARE" main deploy/env/release-dev/app1.yaml '  tag: "1.0.1"'

step "a typo: exit 4, the nearest tags named, nothing committed"
before="$(branch_tip "$BARE" main)"
expect_exit 4 "$KANON" release app1 --tag 1.0.l --repo "$REPO"
expect_contains "$ERR" "$OPEN/web/web-app1:1.0.l is not in the registry"
expect_contains "$ERR" "nothing committed"
expect_contains "$ERR" "the nearest tags there: 1.0.1, 1.0.2"
expect_eq "$(branch_tip "$BARE" main)" "$before" "web-core's tip after the refused release"

step "-o json: the digest and the registry's verdict"
expect_exit 0 "$KANON" -o json release app1 --tag 2.0.0 --repo "$REPO"
expect_json "$OUT" "d['digest'] == '$d200' and d['registry']['checked'] is True"
expect_file_line "$BARE" main deploy/env/release-dev/app1.yaml "  digest: $d200"

step "history shows the digests; a promotion carries the file's digest to prod"
expect_exit 0 "$KANON" history app1 --stage dev --repo "$REPO"
expect_contains "$OUT" "digest ${d200:0:19}"
expect_exit 0 "$KANON" promote app1 --repo "$REPO"
expect_file_line "$BARE" main deploy/env/release-prod/app1.yaml "  digest: $d200"

step "--no-registry-check: committed, and said aloud; the stale digest does not survive"
expect_exit 0 "$KANON" release app1 --tag 9.9.9 --no-registry-check --repo "$REPO"
expect_contains "$OUT" "registry check SKIPPED (--no-registry-check)"
expect_file_line "$BARE" main deploy/env/release-dev/app1.yaml '  digest: ""'
expect_not_contains "$(git --git-dir="$BARE" log -1 --format=%B main)" "Kanon-Digest"

step "the pipeline refuses a missing tag before it writes"
before="$(branch_tip "$BARE" main)"
expect_exit 4 "$KANON" pipeline app1 --tag 7.7.7 --repo "$REPO" --http --no-smoke --stage dev
expect_contains "$OUT$ERR" "is not in the registry"
expect_eq "$(branch_tip "$BARE" main)" "$before" "web-core's tip after the refused pipeline"

step "release --latest: the newest tag by a policy; again: nothing to do"
expect_exit 0 "$KANON" release app1 --latest --policy 'semver:^1' --repo "$REPO"
expect_contains "$OUT" "latest: 1.0.2: the newest of 2 tags by semver:^1 (4 tags in $OPEN/web/web-app1)"
# (quoted now: the key kept the style of the "" the skipped check wrote)
expect_file_line "$BARE" main deploy/env/release-dev/app1.yaml "  digest: \"$d102\""
before="$(branch_tip "$BARE" main)"
expect_exit 0 "$KANON" release app1 --latest --policy 'semver:^1' --repo "$REPO"
expect_contains "$OUT" "dev already runs 1.0.2; nothing to change"
expect_eq "$(branch_tip "$BARE" main)" "$before" "web-core's tip when dev runs the newest already"
expect_exit 0 "$KANON" -o json release app1 --latest --repo "$REPO"
expect_json "$OUT" "d['tag'] == '2.0.0' and d['latest'].startswith('2.0.0: the newest of 4 tags by semver')"
expect_exit 0 "$KANON" release app1 --latest --policy newest-build --repo "$REPO"
expect_contains "$OUT" "latest: 0.9.0: the newest build (2027-01-01T00:00:00Z)"
expect_exit 4 "$KANON" release app1 --latest --policy 'semver:>=9' --repo "$REPO"
expect_contains "$ERR" "no tag of $OPEN/web/web-app1 matches the policy semver:>=9 (4 tags in the repository)"
expect_exit 2 "$KANON" release app1 --latest --policy 'semvar:^1' --repo "$REPO"
expect_contains "$ERR" "--policy:1:1: unknown policy 'semvar'"
expect_exit 2 "$KANON" release app1 --latest --tag 1.0.1 --repo "$REPO"
expect_exit 2 "$KANON" release app1 --policy semver --tag 1.0.1 --repo "$REPO"
expect_contains "$ERR" "--policy needs --latest"

step "status --registry: the same digests; then 2.0.0 is pushed again (another image): overwritten"
expect_exit 0 "$KANON" -o json status app1 --registry --repo "$REPO"
expect_json "$OUT" "d['apps'][0]['stages']['prod']['registry']['state'] == 'same' and d['apps'][0]['stages']['dev']['registry']['state'] == 'same'"
python3 "$layout" "$E2E_TMP/oci" 2.0.0 --created 2026-12-05T00:00:00Z >/dev/null
skopeo --policy "$E2E_TMP/policy.json" copy -q --dest-tls-verify=false "oci:$E2E_TMP/oci:2.0.0" \
    "docker://$OPEN/web/web-app1:2.0.0" >/dev/null || fail "skopeo could not push 2.0.0 again"
expect_exit 0 "$KANON" status app1 --registry --repo "$REPO"
expect_contains "$OUT" "2.0.0 (overwritten)"
expect_contains "$OUT" "app1 prod: $OPEN/web/web-app1:2.0.0 is now sha256:"
expect_contains "$OUT" "released as $d200: the tag was overwritten"
make_webcore_apps "$E2E_TMP/nodigest.git" app1
webcore_write "$E2E_TMP/nodigest.git" main "in the test registry, no digest key" \
    deploy/env/release-dev/app1.yaml "$(release_yaml "$OPEN/web/web-app1" 1.0.1)"$'\n' \
    deploy/env/release-prod/app1.yaml "$(release_yaml "$OPEN/web/web-app1" 1.0.1)"$'\n' \
    kanon.yaml $'registry:\n  hosts:\n    "'"$OPEN"$'":\n      plain_http: true\n'
expect_exit 0 "$KANON" status --registry --repo "file://$E2E_TMP/nodigest.git"
expect_contains "$OUT" "2 tags are in the registry, but with no digest recorded to compare"
expect_exit 0 "$KANON" status app1 --repo "$REPO"  # without --registry: nothing asked
expect_not_contains "$OUT" "overwritten"

step "Basic auth (htpasswd): anonymous is refused, naming what was tried; the environment and config.json work"
htpasswd -Bbc "$E2E_TMP/htpasswd" robot 'pa55-in-htpasswd' >/dev/null 2>&1
start_registry basic $'auth:\n  htpasswd:\n    realm: kanon-test\n    path: '"$E2E_TMP/htpasswd"
BASIC="$REG"
dbasic="$(push "$BASIC" web/web-app2 3.0.0 --dest-creds 'robot:pa55-in-htpasswd')"
webcore_write "$BARE" main "app2 in the registry with a password" \
    deploy/env/release-dev/app2.yaml "$(release_yaml "$BASIC/web/web-app2" 1.0.0)"$'\n' \
    kanon.yaml $'registry:\n  hosts:\n    "'"$OPEN"$'":\n      plain_http: true\n    "'"$BASIC"$'":\n      plain_http: true\nrelease_keys:\n  digest: image.digest\n'
before="$(branch_tip "$BARE" main)"
expect_exit 1 "$KANON" release app2 --tag 3.0.0 --repo "$REPO"
expect_contains "$ERR" "401 Unauthorized), asked anonymously"
expect_eq "$(branch_tip "$BARE" main)" "$before" "web-core's tip after the refused release"
expect_exit 1 env KANON_REGISTRY_HOST="$BASIC" KANON_REGISTRY_USER=robot KANON_REGISTRY_PASSWORD=wrong-password "$KANON" release app2 --tag 3.0.0 --repo "$REPO"
expect_contains "$ERR" "with the credentials from KANON_REGISTRY_USER/KANON_REGISTRY_PASSWORD"
expect_not_contains "$OUT$ERR" "wrong-password"
expect_exit 0 env KANON_REGISTRY_HOST="$BASIC" KANON_REGISTRY_USER=robot KANON_REGISTRY_PASSWORD=pa55-in-htpasswd "$KANON" -v release app2 --tag 3.0.0 --repo "$REPO"
expect_contains "$OUT" "at $dbasic"
expect_not_contains "$OUT$ERR" "pa55-in-htpasswd"
# The environment's credentials go only to the hosts KANON_REGISTRY_HOST names.
expect_exit 1 env KANON_REGISTRY_HOST=registry.example.com KANON_REGISTRY_USER=robot KANON_REGISTRY_PASSWORD=pa55-in-htpasswd "$KANON" release app2 --tag 3.0.0 --repo "$REPO"
expect_contains "$ERR" "asked anonymously"
expect_exit 2 env KANON_REGISTRY_USER=robot KANON_REGISTRY_PASSWORD=pa55-in-htpasswd "$KANON" release app2 --tag 3.0.0 --repo "$REPO"
expect_contains "$ERR" "without KANON_REGISTRY_HOST"
mkdir -p "$E2E_TMP/docker"
printf '{"auths": {"%s": {"auth": "%s"}}}' "$BASIC" "$(printf 'robot:pa55-in-htpasswd' | base64)" >"$E2E_TMP/docker/config.json"
expect_exit 4 env DOCKER_CONFIG="$E2E_TMP/docker" "$KANON" release app2 --tag 3.0.1 --repo "$REPO"
expect_contains "$ERR" "the nearest tags there: 3.0.0"
expect_not_contains "$OUT$ERR" "pa55-in-htpasswd"

step "token auth (the Bearer flow of GitLab's registry and Docker Hub): a token for the repository's pull scope"
mkdir -p "$E2E_TMP/token"
/usr/bin/python3 "$KANON_SOURCE_DIR/tests/e2e/registry_token_server.py" "$E2E_TMP/token" robot 't0ken-pa55' \
    >"$E2E_TMP/token/log" 2>&1 &
token_pid=$!
on_exit "kill $token_pid 2>/dev/null"
for _ in $(seq 200); do [[ -s "$E2E_TMP/token/port" ]] && break; sleep 0.05; done
[[ -s "$E2E_TMP/token/port" ]] || fail "the token server did not start: $(cat "$E2E_TMP/token/log")"
start_registry token $'auth:\n  token:\n    realm: http://127.0.0.1:'"$(cat "$E2E_TMP/token/port")"$'/token\n    service: kanon-test\n    issuer: kanon-test-issuer\n    rootcertbundle: '"$E2E_TMP/token/cert.pem"
TOKEN="$REG"
dtoken="$(push "$TOKEN" web/web-app3 4.0.0 --dest-creds 'robot:t0ken-pa55')"
webcore_write "$BARE" main "app2 in a registry with token auth" \
    deploy/env/release-dev/app2.yaml "$(release_yaml "$TOKEN/web/web-app3" 1.0.0)"$'\n' \
    kanon.yaml $'registry:\n  hosts:\n    "'"$TOKEN"$'":\n      plain_http: true\nrelease_keys:\n  digest: image.digest\n'
: >"$E2E_TMP/token/requests"
expect_exit 1 "$KANON" release app2 --tag 4.0.0 --repo "$REPO"
expect_contains "$ERR" "refused a token (http://127.0.0.1:$(cat "$E2E_TMP/token/port")/token) (401 Unauthorized), asked anonymously"
expect_exit 0 env KANON_REGISTRY_HOST="$TOKEN" KANON_REGISTRY_USER=robot KANON_REGISTRY_PASSWORD='t0ken-pa55' "$KANON" release app2 --tag 4.0.0 --repo "$REPO"
expect_contains "$OUT" "registry $TOKEN has web/web-app3:4.0.0 at $dtoken"
expect_not_contains "$OUT$ERR" "t0ken-pa55"
expect_contains "$(cat "$E2E_TMP/token/requests")" "/token service=kanon-test scope=repository:web/web-app3:pull credentials=yes"
expect_exit 4 env KANON_REGISTRY_HOST="$TOKEN" KANON_REGISTRY_USER=robot KANON_REGISTRY_PASSWORD='t0ken-pa55' "$KANON" release app2 --tag 4.0.l --repo "$REPO"
expect_contains "$ERR" "the nearest tags there: 4.0.0"

step "TLS: a registry with a private CA fails without registry.hosts.HOST.ca_file, and passes with it"
if command -v openssl >/dev/null 2>&1; then
    mkdir -p "$E2E_TMP/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E2E_TMP/tls/key.pem" -out "$E2E_TMP/tls/cert.pem" -days 2 \
        -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fail "openssl could not make a certificate"
    start_registry tls $'  tls:\n    certificate: '"$E2E_TMP/tls/cert.pem"$'\n    key: '"$E2E_TMP/tls/key.pem"
    TLSREG="$REG"
    for _ in $(seq 100); do curl -sk -o /dev/null "https://$TLSREG/v2/" && break; sleep 0.05; done
    dtls="$(push "$TLSREG" web/web-app4 5.0.0)"
    webcore_write "$BARE" main "app2 in a registry behind a private CA" \
        deploy/env/release-dev/app2.yaml "$(release_yaml "$TLSREG/web/web-app4" 1.0.0)"$'\n' \
        kanon.yaml $'registry:\n  hosts:\n    "'"$TOKEN"$'":\n      plain_http: true\n'
    before="$(branch_tip "$BARE" main)"
    expect_exit 1 "$KANON" release app2 --tag 5.0.0 --repo "$REPO"
    expect_contains "$ERR" "registry $TLSREG"
    expect_contains "$ERR" "registry.hosts.HOST.ca_file"
    expect_eq "$(branch_tip "$BARE" main)" "$before" "web-core's tip after the TLS failure"
    webcore_write "$BARE" main "trust the private CA" \
        kanon.yaml $'registry:\n  hosts:\n    "'"$TLSREG"$'":\n      ca_file: '"$E2E_TMP/tls/cert.pem"$'\n'
    expect_exit 0 "$KANON" release app2 --tag 5.0.0 --repo "$REPO"
    expect_contains "$OUT" "registry $TLSREG has web/web-app4:5.0.0 at $dtls"
else
    echo "SKIP (part): openssl is not installed: the TLS case not run" >&2
fi

step "a registry that is down: exit 1, its URL, nothing committed"
port="$(free_port)"
webcore_write "$BARE" main "app2 moves to a registry that is down" \
    deploy/env/release-dev/app2.yaml "$(release_yaml "127.0.0.1:$port/web/web-app2" 1.0.0)"$'\n'
before="$(branch_tip "$BARE" main)"
expect_exit 1 "$KANON" release app2 --tag 3.0.0 --repo "$REPO"
expect_contains "$ERR" "registry 127.0.0.1:$port"
expect_eq "$(branch_tip "$BARE" main)" "$before" "web-core's tip after the failed check"

step "without a registry: section nothing changes: any tag is released as before"
make_webcore_apps "$E2E_TMP/plain.git" app1
expect_exit 0 "$KANON" release app1 --tag never-pushed --repo "file://$E2E_TMP/plain.git"
expect_not_contains "$OUT" "registry"

echo "PASS: $E2E_NAME"
