#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in for anprd's control socket (docs/control-protocol.md) for anpr-diag's tests.

Answers every command with plausible data and records each request, one JSON line per
request, in --record. On purpose it puts plate text in every readtest event, whether or not
the client asked for it: the client alone must keep it from the engineer role.
Usage: diag_fake_anprd.py --socket PATH --record FILE
"""
import argparse
import base64
import json
import os
import socket
import threading
import time

PLATE = "AB12CDE"


def now_ms():
    return int(time.time() * 1000)


class Client(threading.Thread):
    def __init__(self, conn, record):
        super().__init__(daemon=True)
        self.conn = conn
        self.record = record
        self.lock = threading.Lock()
        self.streams = {}  # id -> threading.Event (set = cancelled)

    def send(self, obj):
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        with self.lock:
            try:
                self.conn.sendall(data)
            except OSError:
                pass

    def run(self):
        self.send({"hello": {"protocol": 1, "firmware": "0.4.0-fake", "device": "anpr-test"}})
        buf = b""
        while True:
            try:
                chunk = self.conn.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                req = json.loads(line)
                with open(self.record, "a") as f:
                    f.write(json.dumps(req) + "\n")
                self.handle(req)
        for ev in self.streams.values():
            ev.set()

    def stream(self, rid, gen, period, seconds, final):
        stop = threading.Event()
        self.streams[rid] = stop

        def body():
            end = time.time() + seconds
            seq = 0
            while time.time() < end and not stop.is_set():
                seq += 1
                self.send({"id": rid, "event": gen(seq)})
                stop.wait(period)
            res = final()
            if stop.is_set():
                res["cancelled"] = True
            self.send({"id": rid, "ok": True, "result": res})
            self.streams.pop(rid, None)

        threading.Thread(target=body, daemon=True).start()

    def handle(self, req):
        rid, cmd, args = req.get("id", 0), req.get("cmd"), req.get("args", {})
        ok = lambda res: self.send({"id": rid, "ok": True, "result": res})
        if cmd == "status":
            ok({"firmware": "0.4.0-fake", "board": "host-sim", "device": "anpr-test", "site": "TEST-SITE",
                "uptime_s": 3723, "started_utc_ms": now_ms() - 3723000,
                "camera": {"state": "running", "source": "replay", "fps": 24.9, "frames_captured": 93000,
                           "frames_dropped": 3, "frames_bad": 0, "restarts": 0},
                "reads": {"total": 412, "last_hour": 37, "last_day": 412, "last_utc_ms": now_ms() - 65000},
                "uplink": {"configured": True, "state": "idle", "last_success_utc_ms": now_ms() - 30000,
                           "last_http": 200, "last_error": "", "delivered": 410, "duplicates": 0,
                           "quarantined": 0, "failures": 2, "backoff_ms": 0},
                "buffer": {"records": 412, "bytes": 5123456, "pending": 2,
                           "oldest_pending_utc_ms": now_ms() - 5000, "quarantined": 0, "corrupt": 0,
                           "evicted": 0, "expired": 0},
                "disk": {"path": "/var/lib/anpr/reads", "total_bytes": 32e9, "free_bytes": 20e9},
                "clock": {"synced": True, "offset_us": 120, "maxerror_us": 8000, "esterror_us": 400},
                "temperature_c": 51.5,
                "alarms": [{"name": "uplink_slow", "since_utc_ms": now_ms() - 600000, "detail": "2 failures"}]})
        elif cmd == "camera":
            ok({"backend": "replay", "sensor": "imx477", "width": 1920, "height": 1080, "fps": 25,
                "pixel_format": "YUV420", "exposure_us": 800, "exposure_max_us": 2000, "gain": 2.5,
                "gain_max": 8, "ir": {"mode": "day"}})
        elif cmd == "clock":
            ok({"synced": True, "offset_us": 120, "maxerror_us": 8000, "esterror_us": 400, "source": "ntp"})
        elif cmd == "buffer":
            res = {"records": 412, "bytes": 5123456, "pending": 2, "oldest_pending_utc_ms": now_ms() - 5000,
                   "delivered": 410, "quarantined": 0, "corrupt": 0, "evicted": 0, "expired": 0}
            if args.get("check"):
                res["check"] = {"records": 412, "corrupt": 0, "ok": True, "ms": 35}
            ok(res)
        elif cmd == "reload":
            ok({"reloaded": True})
        elif cmd == "alarms":
            ok({"alarms": []})
        elif cmd == "cancel":
            ev = self.streams.get(args.get("target"))
            if ev:
                ev.set()
            ok({"cancelled": ev is not None})
        elif cmd == "preview":
            cols, rows = args.get("cols", 64), args.get("rows", 20)

            def frame(seq):
                luma = bytes(((x * 4 + y * 8 + seq * 16) % 256) for y in range(rows) for x in range(cols))
                return {"seq": seq, "utc_ms": now_ms(), "cols": cols, "rows": rows,
                        "luma": base64.b64encode(luma).decode()}
            self.stream(rid, frame, 1.0 / args.get("fps", 2), args.get("seconds", 10), lambda: {"frames": 0})
        elif cmd == "focus":
            self.stream(rid, lambda s: {"utc_ms": now_ms(), "sharpness": 100.0 + 10 * (s % 7), "plates": 1,
                                        "plate_widths_px": [118 + s % 3]},
                        1.0 / args.get("fps", 2), args.get("seconds", 10), lambda: {})
        elif cmd == "readtest":
            self.stream(rid, lambda s: {"utc_ms": now_ms(), "confidence": 0.91, "frames": 6, "country": "uk",
                                        "text": PLATE},
                        0.3, args.get("seconds", 5),
                        lambda: {"reads": 3, "seconds": args.get("seconds", 5), "confidence_min": 0.9,
                                 "confidence_mean": 0.91, "confidence_max": 0.93, "below_min_confidence": 0})
        elif cmd == "log":
            lines = ["2026-11-22T01:00:%02d.000Z I pipeline: line %d" % (i % 60, i)
                     for i in range(args.get("lines", 20))]
            if args.get("follow"):
                self.send({"id": rid, "event": {"lines": lines}})
                self.stream(rid, lambda s: {"line": "2026-11-22T01:01:00.000Z I follow: new line %d" % s},
                            0.2, 600, lambda: {"lines": []})
            else:
                ok({"lines": lines})
        else:
            self.send({"id": rid, "ok": False,
                       "error": {"code": 2, "name": "INVAL", "message": "unknown command '%s'" % cmd}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--record", required=True)
    a = ap.parse_args()
    if os.path.exists(a.socket):
        os.unlink(a.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(a.socket)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        Client(conn, a.record).start()


if __name__ == "__main__":
    main()
