#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks the reads anprd stored, with code independent of the firmware.

Every read: the JWS verifies (jwcrypto, ES256) under the device's public key, the kid is
the key's SPKI fingerprint, the images' sizes and SHA-256 digests match the signed
payload, the patch is a 120x60 JPEG of at most 3,072 bytes and the overview a JPEG of at
most 25,000 bytes (dimensions read from the JPEG's own SOF header), and the hash chain
and sequence numbers run unbroken. Then it proves that changing one byte of the payload,
the signature or an image breaks verification.

With --truth (the clip's JSON Lines sidecar) and --start-time, it also scores the reads:
each vehicle is matched to the read whose passage overlaps its time in view.

Prints one JSON object; exits 1 when a check fails or a --min-*/--max-* bound is missed.
"""
import argparse
import base64
import hashlib
import json
import os
import sys
from datetime import datetime, timezone

try:
    from cryptography.hazmat.primitives import serialization
    from jwcrypto import jwk, jws
except ImportError as e:  # the test registers exit 77 as "skipped"
    print(f"check_reads: {e}; install python3-jwcrypto", file=sys.stderr)
    sys.exit(77)


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jpeg_size(data):
    """(width, height) from the first SOFn marker, or None if it is not a JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        seglen = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            return (w, h)
        i += 2 + seglen
    return None


def parse_utc(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000.0


def verify(token, key):
    try:
        obj = jws.JWS()
        obj.deserialize(token)
        obj.verify(key, alg="ES256")
        return True
    except Exception:
        return False


def flip(s, pos):
    """Changes one base64url character (so the decoded bytes change)."""
    c = s[pos]
    return s[:pos] + ("A" if c != "A" else "B") + s[pos + 1:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reads", help="the store folder (NNNNNNNNNNNN.read.json files)")
    ap.add_argument("key", help="the device key: public PEM, or the private PEM (its public half is used)")
    ap.add_argument("--truth", help="the clip's ground truth (JSON Lines)")
    ap.add_argument("--start-time", help="UTC of the clip's first frame, as given to anprd")
    ap.add_argument("--vrms-out", help="write the stored VRMs in order, one per line")
    ap.add_argument("--min-exact-pct", type=float)
    ap.add_argument("--max-duplicates", type=int)
    ap.add_argument("--max-misread-pct", type=float)
    ap.add_argument("--min-reads", type=int, default=1)
    args = ap.parse_args()

    pem = open(args.key, "rb").read()
    if b"PRIVATE KEY" in pem:
        priv = serialization.load_pem_private_key(pem, password=None)
        pub = priv.public_key()
    else:
        pub = serialization.load_pem_public_key(pem)
    spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = hashlib.sha256(spki).hexdigest()
    key = jwk.JWK.from_pem(pub.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo))

    failures = []
    reads = []
    names = sorted(n for n in os.listdir(args.reads) if n.endswith(".read.json"))
    prev_hash = None
    prev_seq = None
    for name in names:
        env = json.load(open(os.path.join(args.reads, name)))
        token = env["jws"]
        if not verify(token, key):
            failures.append(f"{name}: signature does not verify")
            continue
        header = json.loads(b64url(token.split(".")[0]))
        payload = json.loads(b64url(token.split(".")[1]))
        if header.get("alg") != "ES256" or header.get("kid") != kid:
            failures.append(f"{name}: header {header} (expected kid {kid})")
        if payload["id"] != env["id"] or payload["seq"] != env["seq"]:
            failures.append(f"{name}: envelope id/seq differ from the signed payload")
        for part, limit, exact in (("patch", 3072, (120, 60)), ("overview", 25000, None)):
            data = b64url(env[f"{part}_jpeg"])
            meta = payload[part]
            if hashlib.sha256(data).hexdigest() != meta["sha256"] or len(data) != meta["bytes"]:
                failures.append(f"{name}: {part} bytes do not match the signed digest")
            if len(data) > limit:
                failures.append(f"{name}: {part} is {len(data)} bytes (limit {limit})")
            size = jpeg_size(data)
            if size is None or size != (meta["width"], meta["height"]) or (exact and size != exact):
                failures.append(f"{name}: {part} JPEG size {size}, payload says "
                                f"{meta['width']}x{meta['height']}")
        if prev_seq is not None:
            if payload["seq"] != prev_seq + 1:
                failures.append(f"{name}: sequence jumps from {prev_seq} to {payload['seq']}")
            if payload["prev_sha256"] != prev_hash:
                failures.append(f"{name}: hash chain broken")
        prev_seq = payload["seq"]
        prev_hash = hashlib.sha256(token.encode()).hexdigest()
        reads.append((name, env, payload))

    # Tampering must be caught: one byte of the payload, of the signature, of an image.
    tamper = {}
    if reads:
        name, env, payload = reads[0]
        h, p, s = env["jws"].split(".")
        tamper["payload_byte"] = not verify(f"{h}.{flip(p, len(p) // 2)}.{s}", key)
        tamper["signature_byte"] = not verify(f"{h}.{p}.{flip(s, 5)}", key)
        img = bytearray(b64url(env["patch_jpeg"]))
        img[len(img) // 2] ^= 0x01
        tamper["image_byte"] = hashlib.sha256(bytes(img)).hexdigest() != payload["patch"]["sha256"]
        for what, caught in tamper.items():
            if not caught:
                failures.append(f"changing one {what.replace('_', ' ')} was not detected")

    out = {"reads": len(reads), "verified": len(reads), "failures": failures[:20], "tamper_detected": tamper}
    if args.vrms_out:
        with open(args.vrms_out, "w") as f:
            for _, _, p in reads:
                f.write(p["vrm"] + "\n")

    if args.truth:
        start = parse_utc(args.start_time) if args.start_time else None
        # docs/clip-format.md: a header line (clip_truth) then one vehicle a line; vehicles never fully seen are not scored.
        truth = [json.loads(line) for line in open(args.truth) if line.strip()]
        truth = [v for v in truth if "clip_truth" not in v and v["first_frame"] >= 0]
        used = set()
        exact = misread = missed = 0
        for v in truth:
            best = None
            for i, (_, _, p) in enumerate(reads):
                if i in used:
                    continue
                a = parse_utc(p["passage"]["first_seen"]) - start
                b = parse_utc(p["passage"]["last_seen"]) - start
                overlap = min(b, v["last_ms"] + 200) - max(a, v["first_ms"] - 200)
                if overlap >= 0 and (best is None or p["vrm"] == v["vrm"]):
                    best = i
                    if p["vrm"] == v["vrm"]:
                        break
            if best is None:
                missed += 1
                continue
            used.add(best)
            if reads[best][2]["vrm"] == v["vrm"]:
                exact += 1
            else:
                misread += 1
        extra = [reads[i][2]["vrm"] for i in range(len(reads)) if i not in used]
        truth_vrms = {v["vrm"] for v in truth}
        duplicates = sum(1 for x in extra if x in truth_vrms)
        n = max(len(truth), 1)
        out.update({"vehicles": len(truth), "exact": exact, "misread": misread, "missed": missed,
                    "duplicates": duplicates, "false_reads": len(extra) - duplicates,
                    "exact_pct": round(100.0 * exact / n, 2), "misread_pct": round(100.0 * misread / n, 2)})
        if args.min_exact_pct is not None and out["exact_pct"] < args.min_exact_pct:
            failures.append(f"exact {out['exact_pct']}% < {args.min_exact_pct}%")
        if args.max_misread_pct is not None and out["misread_pct"] > args.max_misread_pct:
            failures.append(f"misread {out['misread_pct']}% > {args.max_misread_pct}%")
        if args.max_duplicates is not None and duplicates > args.max_duplicates:
            failures.append(f"{duplicates} duplicate reads > {args.max_duplicates}")
    if len(reads) < args.min_reads:
        failures.append(f"only {len(reads)} reads stored")
    out["failures"] = failures[:20]
    print(json.dumps(out, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
