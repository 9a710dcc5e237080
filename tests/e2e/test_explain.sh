#!/usr/bin/env bash
# e2e: `kanon explain` on the example web-core and on the override trap.
set -u
. "$(dirname "$0")/lib.sh"

cp -r "$KANON_SOURCE_DIR/examples/web-core" "$E2E_TMP/web-core"
cd "$E2E_TMP/web-core"

expect_exit 0 "$KANON" explain synestra-io --stage prod image.tag
expect_contains "$OUT" 'image.tag  "2f9c1e7d41b0a6c3e5d7f8a9b0c1d2e3f4a5b6c7"  deploy/env/release-prod/synestra-io.yaml:4 (overrides deploy/charts/web/values.yaml:7)'

expect_exit 0 "$KANON" -o json explain synestra-io --stage dev
expect_json "$OUT" '[v["value"] for v in d["values"] if v["key"] == "ingress.host"] == ["dev.synestra.io"] and d["warnings"] == []'

# --dir from elsewhere.
cd "$E2E_TMP"
expect_exit 0 "$KANON" explain synestra-io --stage dev --dir web-core ingress.host
expect_contains "$OUT" '"dev.synestra.io"'

# The trap: an image key in the env layer wins over the release file.
printf 'image:\n  tag: hotfix\n' >> web-core/deploy/env/prod/synestra-io.yaml
expect_exit 0 "$KANON" explain synestra-io --stage prod --dir web-core image.tag
expect_contains "$OUT" '"hotfix"'
expect_contains "$OUT" "warning: image.tag comes from deploy/env/prod/synestra-io.yaml:13"

# Errors.
expect_exit 2 "$KANON" explain synestra-io --stage qa --dir web-core
expect_contains "$ERR" "unknown stage 'qa' (stages: dev, prod)"
expect_exit 2 "$KANON" explain '../../etc' --stage dev --dir web-core
expect_exit 1 "$KANON" explain nosuch-app --stage dev --dir web-core
expect_exit 2 "$KANON" explain synestra-io --dir web-core
expect_contains "$ERR" "--stage is required"
printf 'paths:\n  relase: x\n' > web-core/kanon.yaml
expect_exit 1 "$KANON" explain synestra-io --stage dev --dir web-core
expect_contains "$ERR" "kanon.yaml:2:11: unknown key 'relase'"

echo "PASS: $E2E_NAME"
