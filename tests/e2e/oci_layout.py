#!/usr/bin/env python3
"""Tiny OCI image layouts for the registry tests (pushed with skopeo).

  oci_layout.py DIR TAG [--multi-arch] [--created RFC3339]

writes (or adds to) the OCI layout DIR an image tagged TAG: one layer with
one small file whose content depends on TAG (so every tag has its own
digest), its config (os, architecture, created), its manifest; with
--multi-arch an image index of a linux/amd64 and a linux/arm64 image.
Prints the digest of what TAG names (the manifest, or the index).
"""
import gzip, hashlib, io, json, os, sys, tarfile

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


def blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, "blobs", "sha256", digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def image(root, tag, arch, created):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        content = f"kanon test image {tag} {arch}\n".encode()
        info = tarfile.TarInfo("release.txt")
        info.size, info.mtime = len(content), 0
        t.addfile(info, io.BytesIO(content))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = json.dumps({"architecture": arch, "os": "linux", "created": created,
                         "config": {}, "rootfs": {"type": "layers",
                                                  "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()]}},
                        sort_keys=True).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(root, config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                       **blob(root, layer)}]}, sort_keys=True).encode()
    return {"mediaType": MANIFEST, **blob(root, manifest), "platform": {"architecture": arch, "os": "linux"}}


def main():
    root, tag = sys.argv[1], sys.argv[2]
    multi = "--multi-arch" in sys.argv
    created = sys.argv[sys.argv.index("--created") + 1] if "--created" in sys.argv else "2026-12-01T00:00:00Z"
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    index_path = os.path.join(root, "index.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {"schemaVersion": 2, "manifests": []}
    if multi:
        images = [image(root, tag, a, created) for a in ("amd64", "arm64")]
        data = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": images}, sort_keys=True).encode()
        top = {"mediaType": INDEX, **blob(root, data)}
    else:
        top = image(root, tag, "amd64", created)
        top.pop("platform")
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag] + [top]
    with open(index_path, "w") as f:
        json.dump(index, f)
    print(top["digest"])


if __name__ == "__main__":
    main()
