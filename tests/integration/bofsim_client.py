#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A unit-side client for testing anpr-bofsim, with only the standard library (and `cryptography` for forge).

  batch DIR OUT [--only I,J] [--tamper-payload I] [--tamper-image I] [--gap FROM:TO:REASON] [--extra N]
      writes a POST /v1/reads body from the NNNNNNNNNNNN.read.json envelopes in DIR (I, J: 0-based
      positions in file order); --extra N appends N copies of the first read (for > 64 reads)
  post PORT BODY CERT KEY CA     posts BODY, prints "STATUS stored=N duplicate=N rejected=N errors=..."
  raw PORT MODE CERT KEY CA      misbehaving clients; prints what came back ("closed" or the status):
      plain (HTTP without TLS), garbage (random bytes), huge-header (20 KiB of header over TLS),
      mid-body (half a body, then disconnect), big-body (Content-Length over 8 MiB), pipelined
      (two GET /v1/health in one write), chunked (Transfer-Encoding)
  forge DIR DEVICE_KEY OUT --seq N   signs a new read after DIR's last one, with a wrong prev_sha256
  bench PORT DIR CERT KEY CA [N] times a batch of 64 reads (stored), then N re-posts (duplicates),
      over one keep-alive connection; prints JSON
"""
import base64
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import sys
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def flip(s, pos):
    c = s[pos]
    return s[:pos] + ("A" if c != "A" else "B") + s[pos + 1:]


def load_reads(folder):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".read.json"))
    return [json.load(open(os.path.join(folder, n))) for n in names]


def make_batch(reads, gaps=None):
    device = json.loads(unb64url(reads[0]["jws"].split(".")[1]))["device"] if reads else "anpr-0000"
    body = {"device": device, "sent_at": "2026-11-21T22:40:01.123Z", "reads": reads}
    if gaps:
        body["gaps"] = gaps
    return json.dumps(body, separators=(",", ":")).encode()


def context(cert, key, ca):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    if cert != "-":
        ctx.load_cert_chain(cert, key)
    return ctx


def summarise(status, data):
    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    errors = []
    try:
        doc = json.loads(data)
        for r in doc.get("results", []):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
            if "error" in r:
                errors.append(r["error"])
        if "error" in doc:
            errors.append(doc["error"])
    except ValueError:
        pass
    return (f"{status} stored={counts['stored']} duplicate={counts['duplicate']} "
            f"rejected={counts['rejected']} errors={';'.join(sorted(set(errors)))}")


def cmd_batch(args):
    folder, out = args[0], args[1]
    reads = load_reads(folder)
    opts = dict(zip(args[2::2], args[3::2]))
    if "--only" in opts:
        reads = [reads[int(i)] for i in opts["--only"].split(",")]
    if "--tamper-payload" in opts:
        r = dict(reads[int(opts["--tamper-payload"])])
        h, p, s = r["jws"].split(".")
        r["jws"] = f"{h}.{flip(p, len(p) // 2)}.{s}"
        reads[int(opts["--tamper-payload"])] = r
    if "--tamper-image" in opts:
        r = dict(reads[int(opts["--tamper-image"])])
        img = bytearray(unb64url(r["patch_jpeg"]))
        img[len(img) // 2] ^= 0x01
        r["patch_jpeg"] = b64url(bytes(img))
        reads[int(opts["--tamper-image"])] = r
    if "--extra" in opts:
        reads = reads + [reads[0]] * int(opts["--extra"])
    gaps = None
    if "--gap" in opts:
        a, b, reason = opts["--gap"].split(":")
        gaps = [{"from": int(a), "to": int(b), "reason": reason}]
    open(out, "wb").write(make_batch(reads, gaps))
    return 0


def cmd_post(args):
    port, body, cert, key, ca = args[:5]
    conn = http.client.HTTPSConnection("localhost", int(port), context=context(cert, key, ca), timeout=30)
    try:
        conn.request("POST", "/v1/reads", body=open(body, "rb").read(),
                     headers={"Content-Type": "application/json", "User-Agent": "anprd/test"})
        resp = conn.getresponse()
        print(summarise(resp.status, resp.read()))
    except (OSError, http.client.HTTPException) as e:
        print(f"closed {type(e).__name__}")
    return 0


def tls_socket(port, cert, key, ca):
    raw = socket.create_connection(("127.0.0.1", int(port)), timeout=15)
    return context(cert, key, ca).wrap_socket(raw, server_hostname="localhost")


def read_all(sock):
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, ssl.SSLError):
        pass
    return data


def status_of(data):
    # Responses follow bodies without a line break, so look for status lines anywhere.
    statuses = re.findall(r"HTTP/1\.1 (\d{3}) ", data.decode("latin-1"))
    return " ".join(statuses) if statuses else "closed"


def cmd_raw(args):
    port, mode, cert, key, ca = args[:5]
    if mode in ("plain", "garbage"):
        s = socket.create_connection(("127.0.0.1", int(port)), timeout=15)
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n" if mode == "plain" else os.urandom(4096))
        print(status_of(read_all(s)))
        s.close()
        return 0
    s = tls_socket(port, cert, key, ca)
    if mode == "huge-header":
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    elif mode == "mid-body":
        s.sendall(b"POST /v1/reads HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{\"device\":")
        s.close()
        print("closed")
        return 0
    elif mode == "big-body":
        s.sendall(b"POST /v1/reads HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 9000000\r\n\r\n")
    elif mode == "pipelined":
        req = b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"
        s.sendall(req + req[:-2] + b"Connection: close\r\n\r\n")
    elif mode == "chunked":
        s.sendall(b"POST /v1/reads HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    print(status_of(read_all(s)))
    s.close()
    return 0


def cmd_forge(args):
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    except ImportError:
        return 77
    folder, key_path, out = args[0], args[1], args[2]
    seq = int(args[args.index("--seq") + 1])
    last = load_reads(folder)[-1]
    h, p, _ = last["jws"].split(".")
    payload = json.loads(unb64url(p))
    payload["seq"] = seq
    payload["id"] = f"{payload['device']}-{seq:012d}"
    payload["prev_sha256"] = "0" * 64  # a break: the previous read's JWS does not hash to this
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
    signing_input = f"{h}.{b64url(json.dumps(payload).encode())}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    jws = f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    env = dict(last, id=payload["id"], seq=seq, jws=jws)
    open(out, "wb").write(make_batch([env]))
    return 0


def bench(args):
    port, folder, cert, key, ca = args[:5]
    rounds = int(args[5]) if len(args) > 5 else 5
    reads = load_reads(folder)[:64]
    body = make_batch(reads)
    conn = http.client.HTTPSConnection("localhost", int(port), context=context(cert, key, ca), timeout=60)
    conn.request("GET", "/v1/health")
    conn.getresponse().read()
    headers = {"Content-Type": "application/json"}

    def post():
        t = time.monotonic()
        conn.request("POST", "/v1/reads", body=body, headers=headers)
        resp = conn.getresponse()
        line = summarise(resp.status, resp.read())
        return time.monotonic() - t, line

    t_store, line = post()
    dup = [post() for _ in range(rounds)]
    t_dup = sum(t for t, _ in dup) / len(dup)
    print(json.dumps({"reads": len(reads), "body_bytes": len(body), "first_post": line,
                      "stored_per_s": round(len(reads) / t_store, 1),
                      "duplicates_per_s": round(len(reads) / t_dup, 1), "last_repost": dup[-1][1]}))
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    table = {"batch": cmd_batch, "post": cmd_post, "raw": cmd_raw, "forge": cmd_forge, "bench": bench}
    if cmd not in table:
        print(__doc__, file=sys.stderr)
        return 2
    return table[cmd](args)


if __name__ == "__main__":
    sys.exit(main())
