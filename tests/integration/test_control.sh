#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anprd's control socket (docs/control-protocol.md), driven by a python3 client while the real
# anprd reads a synthetic clip in real time into the ring buffer: hello, status figures, camera,
# clock, alarms, preview, focus, readtest with and without plate text, log without debug lines,
# buffer check, reload, cancel, an overlong line, a fifth client, a foreign uid (as root), and
# SIGTERM with a client connected. Prints the status reply time and preview bytes per frame.
# Usage: test_control.sh ANPRD ANPR_SYNTH [EMULATOR...]
set -u
anprd=$1 synth=$2
shift 2
run=("$@" "$anprd")
py=/usr/bin/python3
[ -x $py ] || py=python3
command -v $py >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -x "$synth" ] || { echo "SKIP: no anpr-synth at $synth"; exit 77; }
tmp=$(mktemp -d)
chmod 755 "$tmp" # the foreign-uid client must reach the socket
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

"$synth" clip --seed 77 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 8 --duration 12 --look day \
	--hard-share 0 >/dev/null 2>"$tmp/synth.log" || { cat "$tmp/synth.log"; echo "anpr-synth clip failed"; exit 1; }
mkdir -m 700 "$tmp/keys"
"${run[@]}" --set "signing.key_file=$tmp/keys/device.pem" --gen-key >/dev/null 2>&1 || { echo "--gen-key failed"; exit 1; }

sock=$tmp/control.sock
: >"$sock" # a stale socket path holding a regular file must not be replaced...
"${run[@]}" --set "signing.key_file=$tmp/keys/device.pem" --set "store.key_file=$tmp/keys/store.bin" \
	--set "store.dir=$tmp/store" --set "control.socket=$sock" --set pipeline.replay_pace=realtime \
	--source "file:$tmp/clip.avi" --loop 1 2>"$tmp/refuse.log" &
p2=$!
for _ in $(seq 300); do grep -q "not a socket" "$tmp/refuse.log" && break; kill -0 $p2 2>/dev/null || break; sleep 0.2; done
kill -TERM $p2 2>/dev/null
wait $p2
check "a regular file at the socket path is left alone" '[ -f "$sock" ] && grep -q "not a socket" "$tmp/refuse.log"'
rm -f "$sock"

# The real run: debug logging on, so the log command's filter has debug lines to leave out.
"${run[@]}" --set "signing.key_file=$tmp/keys/device.pem" --set "store.key_file=$tmp/keys/store.bin" \
	--set "store.dir=$tmp/store" --set "control.socket=$sock" --set pipeline.replay_pace=realtime \
	--set log.level=debug --set "device.id=anpr-ctl-1" --set tracker.repeat_window_s=0 \
	--source "file:$tmp/clip.avi" --loop 30 \
	2>"$tmp/anprd.log" &
pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.2; done
check "socket created" '[ -S "$sock" ]'
check "socket mode 0660" '[ "$(stat -c %a "$sock")" = 660 ]'

# A second anprd given the same path leaves the live socket alone (it runs without the interface).
"${run[@]}" --set "signing.key_file=$tmp/keys/device.pem" --set store.backend=folder --set "store.dir=$tmp/second" \
	--set "control.socket=$sock" --set pipeline.replay_pace=fast --source "file:$tmp/clip.avi" 2>"$tmp/second.log"
check "second anprd: exits 0 without taking the socket over" '[ $? -eq 0 ] && grep -q "another process answers" "$tmp/second.log"'
check "first anprd's socket still answers" '$py -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
sys.exit(0 if b\"hello\" in s.recv(4096) else 1)" "$sock"'

foreign=
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		foreign="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	elif command -v runuser >/dev/null; then
		foreign="runuser -u nobody --"
	fi
fi

$py - "$sock" "$tmp" "$foreign" >"$tmp/client.out" 2>&1 <<'PYEOF' &
import base64, json, os, re, socket, statistics, subprocess, sys, time

path, tmp, foreign = sys.argv[1], sys.argv[2], sys.argv[3]
passed = failed = 0

def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", name, flush=True)

class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(20)
        self.buf = b""
        self.next_id = 1
    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        l, self.buf = self.buf.split(b"\n", 1)
        self.last_len = len(l) + 1
        return json.loads(l)
    def send(self, cmd, **args):
        i = self.next_id
        self.next_id += 1
        self.s.sendall((json.dumps({"id": i, "cmd": cmd, "args": args}) + "\n").encode())
        return i
    def call(self, cmd, **args):
        i = self.send(cmd, **args)
        r = self.line()
        assert r and r.get("id") == i, r
        return r
    def closed(self):
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
        except (socket.timeout, ConnectionResetError):
            return False
    def close(self):
        self.s.close()

c = Client()
hello = c.line()
check("hello line", hello and hello.get("hello", {}).get("protocol") == 1
      and hello["hello"].get("device") == "anpr-ctl-1" and hello["hello"].get("firmware"))

# ---- status: fields, sane values, frames increasing, reads counted ----
r = c.call("status")
check("status ok", r.get("ok") is True)
st = r.get("result", {})
for k in ("firmware", "board", "device", "site", "uptime_s", "started_utc_ms", "camera", "reads", "uplink",
          "buffer", "disk", "clock", "temperature_c", "alarms"):
    check("status has " + k, k in st)
check("status camera running from a file", st["camera"]["state"] == "running" and st["camera"]["source"] == "file")
check("status temperature_c is null", st["temperature_c"] is None)
check("status uplink not configured", st["uplink"]["configured"] is False)
check("status disk figures", st["disk"]["total_bytes"] > 0 and 0 <= st["disk"]["free_bytes"] <= st["disk"]["total_bytes"])
check("status alarms is a list", isinstance(st["alarms"], list))
f0 = st["camera"]["frames_captured"]
time.sleep(1.5)
st = c.call("status")["result"]
check("frames increasing (%d -> %d)" % (f0, st["camera"]["frames_captured"]), st["camera"]["frames_captured"] > f0)
deadline = time.time() + 90
while st["reads"]["total"] == 0 and time.time() < deadline:
    time.sleep(1)
    st = c.call("status")["result"]
rd = st["reads"]
check("reads counted (%s)" % rd, rd["total"] >= 1 and rd["last_hour"] == rd["total"] and rd["last_day"] == rd["total"]
      and rd["last_utc_ms"] and rd["last_utc_ms"] > 1700000000000)
check("buffer holds the reads", st["buffer"]["records"] >= rd["total"] and st["buffer"]["pending"] >= 1)
check("camera fps measured", st["camera"]["fps"] is not None and 5 < st["camera"]["fps"] < 60)

# status reply time, as the CLI would see it (one request, one reply line).
times = []
for _ in range(30):
    t = time.perf_counter()
    c.call("status")
    times.append((time.perf_counter() - t) * 1000)
print("MEASURE status reply ms: median %.2f max %.2f (n=%d)" % (statistics.median(times), max(times), len(times)))
check("status replies under 200 ms", max(times) < 200)

# ---- camera, clock, alarms, reload ----
cam = c.call("camera")["result"]
check("camera figures", cam["backend"] == "replay" and cam["width"] == 1280 and cam["height"] == 720
      and cam["ir"]["mode"] in ("day", "night", "unknown"))
clk = c.call("clock")["result"]
check("clock figures", isinstance(clk["synced"], bool) and "source" in clk and "maxerror_us" in clk)
al = c.call("alarms")["result"]
check("alarms list", isinstance(al["alarms"], list) and all("name" in a and "since_utc_ms" in a for a in al["alarms"]))
r = c.call("reload")
check("reload ok", r.get("ok") is True and r["result"].get("reloaded") is True)

# ---- unknown command: an error with the id, the connection stays ----
r = c.call("stauts")
check("unknown command: INVAL naming it", r.get("ok") is False and r["error"]["name"] == "INVAL"
      and "stauts" in r["error"]["message"])
r = c.call("preview", cols=500)
check("out-of-range arg: RANGE", r.get("ok") is False and r["error"]["name"] == "RANGE")
check("connection still open after errors", c.call("clock").get("ok") is True)

# ---- preview: cols*rows bytes per event ----
i = c.send("preview", cols=32, rows=16, fps=5, seconds=2)
events, lens = [], []
while True:
    m = c.line()
    if m is None or "event" not in m:
        break
    events.append(m["event"])
    lens.append(c.last_len)
check("preview final reply", m and m.get("id") == i and m.get("ok") is True)
check("preview events (%d)" % len(events), len(events) >= 3)
check("preview luma is cols*rows bytes", events and all(len(base64.b64decode(e["luma"])) == 32 * 16 for e in events))
check("preview event fields", events and all(e["cols"] == 32 and e["rows"] == 16 and e["utc_ms"] > 0 for e in events))
check("preview picture is not flat", events and len(set(base64.b64decode(events[-1]["luma"]))) > 8)
i = c.send("preview", cols=160, rows=60, fps=2, seconds=1)
big = []
while True:
    m = c.line()
    if m is None or "event" not in m:
        break
    big.append(c.last_len)
if lens and big:
    print("MEASURE preview bytes per frame: 32x16 %d, 160x60 %d (line incl. JSON)" % (max(lens), max(big)))

# ---- focus: sharpness > 0 ----
i = c.send("focus", fps=4, seconds=2)
fev = []
while True:
    m = c.line()
    if m is None or "event" not in m:
        break
    fev.append(m["event"])
check("focus events with sharpness > 0", fev and all(e["sharpness"] > 0 for e in fev))
check("focus plate widths are a list", fev and all(isinstance(e["plate_widths_px"], list) and e["plates"] == len(e["plate_widths_px"]) for e in fev))

# ---- readtest, two clients at once: without and with plate text ----
a, b = Client(), Client()
a.line(); b.line()
ia = a.send("readtest", seconds=20, plates=False)
ib = b.send("readtest", seconds=20, plates=True)
def collect(cl, i):
    evs = []
    while True:
        m = cl.line()
        if m is None or "event" not in m:
            return evs, m
        evs.append(m["event"])
ea, fa = collect(a, ia)
eb, fb = collect(b, ib)
check("readtest saw reads (%d, %d)" % (len(ea), len(eb)), len(ea) >= 1 and len(eb) >= 1)
check("readtest without plates: no text", all("text" not in e for e in ea))
check("readtest with plates: text", eb and all(re.fullmatch(r"[A-Z0-9]{2,10}", e.get("text", "")) for e in eb))
check("readtest events carry confidence, frames, country",
      all(0 < e["confidence"] <= 1 and e["frames"] >= 1 and e["country"] for e in ea + eb))
fr = (fa or {}).get("result", {})
check("readtest final summary (%s)" % fr, fr.get("reads") == len(ea) and fr.get("seconds", 0) >= 19
      and (not ea or fr["confidence_min"] <= fr["confidence_mean"] <= fr["confidence_max"]))
a.close(); b.close()

# ---- log: lines, never debug ----
r = c.call("log", lines=500)
lines = r["result"]["lines"]
check("log has lines", len(lines) >= 3)
debug_re = re.compile(r"^(<7>|\S+ D )")
check("log has no debug lines", not any(debug_re.match(l) for l in lines))
check("anprd's stderr does have debug lines (the filter is real)",
      any(debug_re.match(l) for l in open(tmp + "/anprd.log", errors="replace")))
r = c.call("log", lines=50, level="warn")
check("log level warn: only warnings and errors", all(re.match(r"^(<[34]>|\S+ [EW] )", l) for l in r["result"]["lines"]))

# ---- buffer with check ----
r = c.call("buffer", check=True)
bres = r.get("result", {})
check("buffer check ok", r.get("ok") and bres["check"]["ok"] is True and bres["check"]["corrupt"] == 0
      and bres["check"]["records"] >= 1 and bres["records"] >= bres["check"]["records"] - 1)

# ---- cancel ends a stream ----
i = c.send("preview", cols=16, rows=8, fps=2, seconds=600)
first = c.line()
j = c.send("cancel", target=i)
got_cancel = got_final = False
for _ in range(10):
    m = c.line()
    if m is None:
        break
    if m.get("id") == j:
        got_cancel = m.get("ok") and m["result"]["cancelled"] is True
    if m.get("id") == i and "event" not in m:
        got_final = m.get("ok") and m["result"].get("cancelled") is True
    if got_cancel and got_final:
        break
check("cancel answered cancelled:true", got_cancel)
check("cancelled stream's final reply says cancelled", got_final)
check("after cancel the connection works", c.call("clock").get("ok") is True)

# ---- a line over 4096 bytes: error with id 0, then closed ----
o = Client(); o.line()
o.s.sendall(b'{"id":1,"cmd":"status","args":{"x":"' + b"A" * 5000 + b'"}}\n')
m = o.line()
check("overlong line: error id 0", m and m.get("id") == 0 and m.get("ok") is False)
check("overlong line: connection closed", o.closed())
o = Client(); o.line()
o.s.sendall(b'{"id":1,"cmd":"st\xff"}\n')
m = o.line()
check("bad UTF-8: error id 0 and closed", m and m.get("id") == 0 and o.closed())

# ---- a request flood waits for its replies to be read; the others are still answered ----
flood = Client(); flood.line()
try:
    flood.s.sendall(b"".join(b'{"id":%d,"cmd":"status"}\n' % (k + 1) for k in range(4000)))  # ~5 MB of replies
except (BrokenPipeError, ConnectionResetError, socket.timeout):
    pass
t = time.perf_counter()
check("status answered during another client's flood", c.call("status").get("ok") is True)
print("MEASURE status during a 4000-request flood from another client: %.2f ms" % ((time.perf_counter() - t) * 1000))
got = 0
try:
    while got < 4000:
        m = flood.line()
        if m is None or m.get("id") != got + 1:
            break
        got += 1
except (ConnectionResetError, socket.timeout):
    pass
check("flood: all 4000 replies, in order, once read (%d)" % got, got == 4000)
flood.close()

# ---- a stream nobody reads: dropped once its backlog passes the cap ----
stuck = Client(); stuck.line()
stuck.send("preview", cols=160, rows=60, fps=10, seconds=600)
t0 = time.time()
dropped = False
while time.time() - t0 < 90 and not dropped:
    time.sleep(2)
    dropped = "not reading its replies" in open(tmp + "/anprd.log", errors="replace").read()
print("MEASURE unread 160x60 10 fps preview dropped after %.0f s" % (time.time() - t0))
check("unread stream dropped", dropped)
ended = False
try:
    while True:
        if stuck.s.recv(65536) == b"":
            ended = True
            break
except (ConnectionResetError, BrokenPipeError):
    ended = True
except socket.timeout:
    pass
check("unread stream's connection ended", ended)
stuck.close()
check("still answering after the drop", c.call("clock").get("ok") is True)

# ---- a client that sends, then shuts its side: answered, then closed ----
h = Client(); h.line()
h.s.sendall(b'{"id":1,"cmd":"clock"}\n{"id":2,"cmd":"camera"}\n')
h.s.shutdown(socket.SHUT_WR)
m1, m2 = h.line(), h.line()
check("half-closed client still answered", m1 and m1.get("id") == 1 and m2 and m2.get("id") == 2)
check("half-closed client then closed", h.line() is None)
h.close()

# ---- the fifth client is refused ----
extra = [Client() for _ in range(3)]  # with c: four
for e in extra:
    e.line()
five = Client()
m = five.line()
check("fifth client refused with FULL", m and m.get("id") == 0 and m["error"]["name"] == "FULL")
check("fifth client closed", five.closed())
for e in extra:
    e.close()
time.sleep(0.3)

# ---- a foreign uid is refused (root only) ----
if foreign:
    os.chmod(path, 0o666)  # past the file mode, so the check that answers is anprd's own
    code = ("import socket,sys\ns=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);s.settimeout(10)\n"
            "b=b''\nwhile True:\n d=s.recv(4096)\n if not d: break\n b+=d\nsys.stdout.write(b.decode())")
    out = subprocess.run(foreign.split() + [sys.executable, "-c", code, path], capture_output=True, text=True, timeout=30)
    os.chmod(path, 0o660)
    first = out.stdout.split("\n")[0]
    check("foreign uid refused with PERMISSION (%r)" % first[:120],
          '"PERMISSION"' in first and "hello" not in out.stdout)
else:
    print("SKIP: foreign uid check (not root, or no setpriv/runuser)")

# ---- keep a client and a stream for the SIGTERM check ----
c.send("log", follow=True)
m = c.line()
check("log follow first event carries lines", m and "event" in m and "lines" in m["event"])
with open(tmp + "/ready", "w") as f:
    f.write("1")
# Wait for anprd to go: the connection closes without a hang.
c.s.settimeout(60)
closed_ok = c.closed()
check("connection closed at SIGTERM", closed_ok)
print("RESULT %d passed, %d failed" % (passed, failed))
PYEOF
client=$!
for _ in $(seq 600); do [ -f "$tmp/ready" ] && break; kill -0 $client 2>/dev/null || break; sleep 0.5; done
check "client reached the SIGTERM step" '[ -f "$tmp/ready" ]'
kill -TERM $pid
wait $pid
status=$?
pid=
wait $client
cat "$tmp/client.out"
check "SIGTERM with a client connected: exit 0 (got $status)" '[ $status -eq 0 ]'
check "socket removed at exit" '[ ! -e "$sock" ]'
check "python checks all passed" 'grep -q "^RESULT [0-9]* passed, 0 failed" "$tmp/client.out"'
if [ $failed -ne 0 ]; then
	echo "---- anprd log (tail) ----"
	grep -v " D " "$tmp/anprd.log" | tail -30
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
