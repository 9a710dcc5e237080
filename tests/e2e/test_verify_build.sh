# shellcheck shell=bash
# e2e: `kanon verify-build`, the build contract (docs/canon.md, the release flow, step 1), against a
# real web-core over file://: a full SHA of a commit in web-core, a valid tag,
# and a tag never released from another ref (Kanon-Source-Ref trailers).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

repo="$E2E_TMP/srv/web-core.git"
mkdir -p "$E2E_TMP/srv"
make_webcore "$repo" 2
url="file://$repo"
tip="$(git --git-dir="$repo" rev-parse main)"

# The contract holds: exit 0, the dotenv written.
expect_exit 0 "$KANON" verify-build --ref "$tip" --tag "$tip" --repo "$url" --dotenv "$E2E_TMP/build.env"
expect_contains "$OUT" "ok: $tip is a commit of web-core"
expect_contains "$OUT" "has never been released"
expect_eq "$(cat "$E2E_TMP/build.env")" "KANON_REF=$tip"$'\n'"KANON_TAG=$tip" "the dotenv report"
expect_exit 0 "$KANON" -o json verify-build --ref "$(tr a-f A-F <<<"$tip")" --tag v1.2.3 --repo "$url"
expect_json "$OUT" "d['ok'] is True and d['ref'] == '$tip' and d['releases'] == [] and d['app'] is None"

# Refusals: a short or malformed ref, an invalid tag (exit 2), a ref not in web-core (exit 1).
expect_exit 2 "$KANON" verify-build --ref "${tip:0:12}" --tag 1.0 --repo "$url"
expect_contains "$ERR" "short"
expect_exit 2 "$KANON" verify-build --ref "z${tip:1}" --tag 1.0 --repo "$url"
expect_exit 2 "$KANON" verify-build --ref "$tip" --tag 'v1+build' --repo "$url"
expect_exit 2 "$KANON" verify-build --ref "$tip" --repo "$url"
expect_exit 1 "$KANON" verify-build --ref 0123456789abcdef0123456789abcdef01234567 --tag 1.0 --repo "$url" \
    --dotenv "$E2E_TMP/absent.env"
expect_contains "$ERR" "is not in web-core"
[[ ! -e "$E2E_TMP/absent.env" ]] || fail "a refused contract wrote its dotenv"

# Immutability: tag 2.0 released for app1 from $tip; the same tag from another
# commit is refused (exit 4), from the same commit accepted.
expect_exit 0 "$KANON" release app1 --tag 2.0 --source-ref "$tip" --repo "$url"
webcore_write "$repo" main "a later commit" README.md $'# web-core\n'
later="$(git --git-dir="$repo" rev-parse main)"
expect_exit 4 "$KANON" verify-build --ref "$later" --tag 2.0 --repo "$url"
expect_contains "$ERR" "tag 2.0 was already released from another commit: $tip (release of app1 to dev"
expect_contains "$ERR" "hint: build under a new tag"
expect_exit 0 "$KANON" verify-build --ref "$tip" --tag 2.0 --repo "$url"
expect_contains "$OUT" "released before from this same commit (1 time)"
# --app: another app's releases of the tag do not count.
expect_exit 0 "$KANON" verify-build --ref "$later" --tag 2.0 --app app2 --repo "$url"
expect_exit 4 "$KANON" verify-build --ref "$later" --tag 2.0 --app app1 --repo "$url"
# A tag that only shares a prefix is another tag.
expect_exit 0 "$KANON" verify-build --ref "$later" --tag 2.0.1 --repo "$url"
# A release that recorded no ref is noted, not refused.
expect_exit 0 "$KANON" release app2 --tag 3.0 --repo "$url"
expect_exit 0 "$KANON" verify-build --ref "$later" --tag 3.0 --repo "$url"
expect_contains "$OUT" "recorded no source ref"

echo "PASS: $E2E_NAME"
