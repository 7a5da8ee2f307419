#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks firmware/sign.c's JWS with independent code: jwcrypto and cryptography (Debian packages).

Usage: verify_jws.py SIGN_JWS_FIXTURE [EMULATOR...]

Runs the fixture (through the emulator when cross-compiling) to make a device key and sign a
payload, then checks the key file's mode, the kid (SHA-256 of the SubjectPublicKeyInfo DER)
everywhere it appears, the exact header, and the ES256 signature; then flips one byte of the
payload, and one of the signature, and checks that both verifiers reject the result.
Exits 77 (skipped) when jwcrypto or cryptography is missing.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from jwcrypto import jwk, jws
except ImportError as e:
    print(f"skipped: {e} (apt install python3-jwcrypto python3-cryptography)")
    sys.exit(77)

PAYLOAD = json.dumps(
    {"camera": "pole-7", "ts": "2026-11-21T19:40:01.123Z", "vrm": "AB12CDE", "note": "caf\u00e9 \u2713"},
    ensure_ascii=False, separators=(",", ":")).encode()

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwcrypto_ok(token, key):
    try:
        obj = jws.JWS()
        obj.deserialize(token, key=key)
        return obj.payload
    except Exception:  # jwcrypto raises several types for a bad signature
        return None


def cryptography_ok(token, pub):
    head, payload, sig = token.split(".")
    raw = b64url_decode(sig)
    if len(raw) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        pub.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    fixture, emulator = sys.argv[1], sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix="verify_jws.")
    try:
        with open(os.path.join(tmp, "payload.json"), "wb") as f:
            f.write(PAYLOAD)
        run = subprocess.run(emulator + [fixture, tmp], capture_output=True, text=True, timeout=240)
        if run.returncode != 0:
            print(f"FAIL: fixture exited {run.returncode}: {run.stderr.strip()}")
            return 1

        st = os.lstat(os.path.join(tmp, "device.pem"))
        check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600,
              f"device.pem is a regular file with mode 0600 (got {stat.S_IMODE(st.st_mode):o})")

        with open(os.path.join(tmp, "public.txt")) as f:
            public_txt = f.read()
        m = re.fullmatch(r"(-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n)"
                         r"fingerprint: ([0-9a-f]{64})\n", public_txt)
        check(m is not None, "keygen prints the public key PEM and a fingerprint line")
        if not m:
            return 1
        pub = serialization.load_pem_public_key(m.group(1).encode())
        check(isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name == "secp256r1",
              "public key is EC P-256")
        spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        kid = hashlib.sha256(spki).hexdigest()
        check(m.group(2) == kid, "printed fingerprint is SHA-256 of the SPKI DER")
        with open(os.path.join(tmp, "kid.txt")) as f:
            check(f.read() == kid, "signer kid is SHA-256 of the SPKI DER")
        with open(os.path.join(tmp, "device.pem"), "rb") as f:
            priv = serialization.load_pem_private_key(f.read(), password=None)
        check(priv.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo) == spki,
              "key file is a standard PEM private key matching the printed public key")

        with open(os.path.join(tmp, "read.jws")) as f:
            token = f.read()
        parts = token.split(".")
        check(len(parts) == 3 and "=" not in token, "compact serialization, no padding")
        if len(parts) != 3:
            return 1
        header = b64url_decode(parts[0])
        want = ('{"alg":"ES256","typ":"anpr-read+json","kid":"%s"}' % kid).encode()
        check(header == want, f"header is exactly {want!r} (got {header!r})")
        check(b64url_decode(parts[1]) == PAYLOAD, "payload round-trips")
        check(len(parts[2]) == 86, "signature is 64 bytes (86 base64url characters)")

        key = jwk.JWK.from_pem(m.group(1).encode())
        check(key.thumbprint() and jwcrypto_ok(token, key) == PAYLOAD, "jwcrypto verifies the JWS")
        check(cryptography_ok(token, pub), "cryptography verifies r || s over the signing input")

        bad = bytearray(PAYLOAD)
        bad[10] ^= 0x01
        forged = f"{parts[0]}.{b64url(bytes(bad))}.{parts[2]}"
        check(jwcrypto_ok(forged, key) is None, "jwcrypto rejects a payload with one byte flipped")
        check(not cryptography_ok(forged, pub), "cryptography rejects a payload with one byte flipped")
        sig = bytearray(b64url_decode(parts[2]))
        sig[40] ^= 0x80
        forged = f"{parts[0]}.{parts[1]}.{b64url(bytes(sig))}"
        check(jwcrypto_ok(forged, key) is None, "jwcrypto rejects a signature with one byte flipped")
        check(not cryptography_ok(forged, pub), "cryptography rejects a signature with one byte flipped")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
