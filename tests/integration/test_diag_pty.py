#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""anpr-diag end to end through a pseudo-terminal, as an engineer's serial terminal drives it.

Usage: test_diag_pty.py ANPR_DIAG [--anprd-socket PATH] [--diag-set KEY=VALUE]... [-- EMULATOR...]
Without --anprd-socket a fake anprd (diag_fake_anprd.py) answers the control socket; it puts
plate text in every readtest event so that the client's own role check is what is tested.
Checks: banner before login, lockout after 5 failures that survives a restart, CR / LF / CRLF,
a slow line, line editing keys, history, Tab, overlong lines, binary garbage, partial UTF-8,
escape sequences, Ctrl-C in log --follow, type-ahead during a stream, the aim preview's bytes
per frame at 115200 baud, engineer never sees plate text and supervisor does, audit records
for every command and failure, refusal when the audit trail cannot be written, idle logout.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PLATE = b"AB12CDE"
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL: " + what, flush=True)
    else:
        print("ok: " + what, flush=True)


class Console:
    """anpr-diag on the slave side of a pty; we are the engineer's terminal on the master."""

    def __init__(self, argv, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(argv[0], argv, env or os.environ)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.buf = b""
        self.mark = 0

    def read_some(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return None
        if not data:
            return None
        self.buf += data
        return True

    def send(self, data, delay=0.0):
        if isinstance(data, str):
            data = data.encode()
        if delay:
            for b in data:
                os.write(self.fd, bytes([b]))
                time.sleep(delay)
                self.read_some(0)
        else:
            os.write(self.fd, data)

    def expect(self, pattern, timeout=15):
        """Waits for pattern (bytes regex) after the mark; moves the mark past it."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        rx = re.compile(pattern)
        end = time.time() + timeout
        while True:
            m = rx.search(self.buf, self.mark)
            if m:
                seen = self.buf[self.mark:m.end()]
                self.mark = m.end()
                return seen
            left = end - time.time()
            if left <= 0 or self.read_some(left) is None:
                tail = self.buf[self.mark:][-600:]
                print("  (waited for %r; last output: %r)" % (pattern, tail), flush=True)
                return None

    def drain(self, t=0.3):
        end = time.time() + t
        while time.time() < end:
            if self.read_some(max(0, end - time.time())) is None:
                break
        out = self.buf[self.mark:]
        self.mark = len(self.buf)
        return out

    def alive(self):
        pid, _ = os.waitpid(self.pid, os.WNOHANG)
        return pid == 0

    def wait_exit(self, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            self.read_some(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
        return None

    def close(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = 0
        try:
            os.close(self.fd)
        except OSError:
            pass


def audit_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 64
    args = sys.argv[1:]
    emulator = []
    if "--" in args:  # the cross-compiling emulator (qemu-aarch64 -L SYSROOT) runs the binary
        emulator = args[args.index("--") + 1:]
        args = args[:args.index("--")]
    sys.argv = [sys.argv[0]] + args
    diag = os.path.abspath(sys.argv[1])
    real_socket, diag_sets, i = None, [], 2
    while i + 1 < len(sys.argv):
        if sys.argv[i] == "--anprd-socket":
            real_socket = sys.argv[i + 1]
        elif sys.argv[i] == "--diag-set":
            diag_sets += ["--set", sys.argv[i + 1]]
        i += 2
    tmp = tempfile.mkdtemp(prefix="diag_pty_")
    fake = None
    try:
        sock = real_socket or os.path.join(tmp, "control.sock")
        record = os.path.join(tmp, "requests.jsonl")
        if not real_socket:
            fake = subprocess.Popen([sys.executable, os.path.join(HERE, "diag_fake_anprd.py"),
                                     "--socket", sock, "--record", record])
            for _ in range(100):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
        os.makedirs(os.path.join(tmp, "reads"))
        site = os.path.join(tmp, "site.ini")
        audit = os.path.join(tmp, "audit.log")
        with open(site, "w") as f:
            f.write("[device]\nid = anpr-test\n\n[store]\ndir = %s/reads\nkey_file = %s/store-key.bin\n\n"
                    "[diag]\nusers_file = %s/users\nstate_dir = %s/state\naudit_file = %s\n"
                    "idle_timeout_s = 10\n\n[control]\nsocket = %s\n" % (tmp, tmp, tmp, tmp, audit, sock))
        systemctl = os.path.join(tmp, "systemctl")
        with open(systemctl, "w") as f:  # stands in for systemctl: records its arguments
            f.write("#!/bin/sh\necho \"$@\" >> %s/systemctl.log\n" % tmp)
        os.chmod(systemctl, 0o755)
        if emulator:
            emulator[0] = shutil.which(emulator[0]) or emulator[0]
        base = emulator + [diag, "--config", site, "--systemctl", systemctl, "--journalctl", "/bin/false"] + diag_sets
        for user, role, pw in (("alice", "engineer", "correct horse 1"), ("bob", "supervisor", "battery staple 2")):
            r = subprocess.run(base + ["--set-password", user, role], input=("%s\n%s\n" % (pw, pw)).encode(),
                               capture_output=True)
            check(r.returncode == 0, "--set-password %s %s" % (user, role))
        st = os.stat(os.path.join(tmp, "users"))
        check(st.st_mode & 0o777 == 0o600, "users file is 0600")
        with open(os.path.join(tmp, "users")) as f:
            text = f.read()
        check("correct horse" not in text and ":pbkdf2-sha256:" in text, "users file holds only salted hashes")
        env = dict(os.environ, TERM="vt100")
        if real_socket:
            run_real(base, env, audit)
            return finish()

        # ---- lockout: 5 failures, then still locked after a restart (own state folder) ----
        lock_state = ["--set", "diag.state_dir=%s/lockstate" % tmp]
        c = Console(base + lock_state, env)
        banner = c.expect(r"login: ")
        check(banner is not None and b"anpr-test" in banner and b"anprd running" in banner,
              "banner before login: device id and whether anprd runs")
        check(banner is not None and b"Buffer" not in banner and b"Camera" not in banner,
              "nothing else is shown before login")
        for i in range(5):
            c.send("alice\r")
            c.expect(r"password: ")
            c.send("wrong password %d\r" % i)
            check(c.expect(r"Login incorrect", 20) is not None, "wrong password %d refused" % (i + 1))
        check(c.expect(r"locked.*try again in (2\d|30) s") is not None, "5 failures lock the console for 30 s")
        c.close()
        c = Console(base + lock_state, env)
        check(c.expect(r"locked.*try again in \d+ s") is not None, "the lockout survives a restart of anpr-diag")
        c.send("alice\rcorrect horse 1\r")
        time.sleep(1.0)
        out = c.drain()
        check(b"Logged in" not in out, "no login while locked, even with the right password")
        c.close()
        lines = audit_lines(audit)
        check(sum("event=login_failed" in l for l in lines) == 5, "5 login failures audited")
        check(sum("event=lockout" in l for l in lines) == 1, "the lockout audited")
        check(not any(re.search(r"wrong password \d", l) for l in lines), "passwords never reach the audit trail")

        # ---- engineer session ----
        c = Console(base, env)
        c.expect(r"login: ")
        c.send("alice\r")           # CR only
        c.expect(r"password: ")
        c.send("correct horse 1\r\n")  # CRLF
        check(c.expect(r"Logged in as alice \(engineer\)") is not None, "engineer logs in (CR, then CRLF)")
        # A fresh prompt follows a newline; redraws while editing do not (they would match too early).
        prompt = r"\n\ranpr-test engineer> "
        check(c.expect(prompt) is not None, "prompt")

        t0 = time.time()
        c.send("status\r\n")
        out = c.expect(r"Alarms ")
        print("  status: Enter to the last line on screen in %.0f ms" % ((time.time() - t0) * 1000), flush=True)
        out = (out or b"") + (c.expect(prompt) or b"")
        check(out is not None and b"Unit" in out and b"Camera" in out and b"Buffer" in out, "status over CRLF")
        check(out is not None and out.count(b"engineer> ") == 1, "CRLF is one Enter (one new prompt)")
        width = max(len(l) for l in re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", out).split(b"\r\n"))
        check(width <= 80, "status fits 80 columns (widest %d)" % width)
        # Timing goals are measured and printed, never asserted (CONTRIBUTING: benchmarks, not timed tests).
        m = re.search(rb"answered in (\d+) ms", out or b"")
        check(m is not None, "status says how long anprd took (%s ms)" % (m and m.group(1).decode()))

        c.send("clock\n")            # LF only
        out = c.expect(prompt)
        check(out is not None and b"Offset" in out, "LF alone is Enter")

        c.send("clock", delay=0.25)  # a slow line, a byte at a time
        c.send("\r", delay=0.25)
        out = c.expect(prompt)
        check(out is not None and b"Offset" in out, "a slow line, byte by byte")

        c.send("stxx\x7f\x7fatus\r")  # backspace (DEL)
        check(c.expect(r"Unit\s+anpr-test") is not None, "backspace edits the line")
        c.expect(prompt)
        c.send("garbage\x15clock\r")    # Ctrl-U
        c.expect(prompt)
        c.send("help net \x17clock\r")  # Ctrl-W
        out = c.expect(prompt)
        check(out is not None and b"Clock synchronisation" in out, "Ctrl-W deletes a word")
        c.send("clok\x1b[Dc\r")          # CSI left
        c.expect(prompt)
        c.send("lock\x1bOHc\x1bOF\r")    # SS3 home/end
        c.expect(prompt)
        c.send("\x1b[A\r")                # history: Up recalls the last line
        c.expect(prompt)
        c.send("sel\t")                   # Tab completes
        out = c.expect(r"selftest ")
        check(out is not None, "Tab completes 'sel' to 'selftest'")
        c.send("\r")
        out = c.expect(prompt, 60)
        check(out is not None and re.search(rb"\d+ passed, \d+ failed, \d+ skipped", out) is not None,
              "selftest prints a summary")
        check(out is not None and all(re.match(rb"(\x1b\[\d+m)?(PASS|FAIL|SKIP)", l) for l in
              [l for l in out.split(b"\r\n")[1:] if l and not l.startswith(b"anpr-test")][:9]),
              "every selftest line starts with PASS, FAIL or SKIP")

        c.send("a" * 300 + "\r")          # overlong
        out = c.expect(prompt)
        check(out is not None and b"line too long" in out, "overlong line: clear message")
        c.send(b"\x00\x01\xff\xfe\x80status\r")  # binary garbage
        out = c.expect(prompt)
        check(out is not None and b"not run" in out and b"Unit" not in out, "binary garbage: refused, not run")
        c.send(b"stat\xc3us\r")            # partial UTF-8
        out = c.expect(prompt)
        check(out is not None and b"not run" in out, "partial UTF-8: refused")
        c.send(b"\x1b[15~\x1b[1;5C\x1b[200~\x1bOPclock\r")  # function keys, bracketed paste marker
        out = c.expect(prompt)
        check(out is not None and b"Offset" in out, "unknown escape sequences are swallowed")
        junk = bytes(b for b in os.urandom(4000) if b not in (3, 4, 10, 13))
        c.send(junk)
        time.sleep(0.5)
        c.send(b"\x03")
        c.expect(rb"\^C\r*\n\ranpr-test engineer> ")  # Tab in the junk may list choices and redraw: sync on ^C
        c.send("clock\r")
        out = c.expect(prompt)
        check(out is not None and b"Offset" in out and c.alive(), "4 KB of random bytes, Ctrl-C, still working")
        c.send("stauts\r")
        out = c.expect(prompt)
        check(out is not None and b"No command" in out, "unknown command: a clear message")
        c.send("log 5 --follow\r")
        out = c.expect(r"follow: new line 2")
        check(out is not None, "log --follow streams new lines")
        c.send("\x03")
        out = c.expect(prompt)
        check(out is not None, "Ctrl-C stops log --follow")
        time.sleep(0.5)
        if not real_socket:
            with open(record) as f:
                reqs = f.read()
            check('"cmd": "cancel"' in reqs, "Ctrl-C sent cancel to anprd")
        c.send("log --follow\r")
        c.expect(r"follow: new line 3")
        c.send("cl")
        time.sleep(0.6)                  # lines keep arriving while the engineer types
        c.send("ock\r")
        out = c.expect(r"Offset")
        check(out is not None, "type-ahead during log --follow runs next")
        check(out is not None and b"engineer> cl" in out, "the typed line is redrawn under new log lines")
        c.expect(prompt)

        c.send("readtest 2\r")
        out = c.expect(prompt, 20)
        check(out is not None and b"confidence" in out, "readtest shows reads")
        check(out is not None and PLATE not in out, "engineer never sees plate text (anprd sent it anyway)")
        if not real_socket:
            with open(record) as f:
                rt = [l for l in f if '"readtest"' in l]
            check(rt and '"plates": false' in rt[-1], "engineer's readtest asks without plates")

        # Aim preview: bytes per frame on the wire, frames a second through a 115200-baud-limited reader.
        c.drain()
        c.send("camera aim\r")
        start = len(c.buf)
        t0 = time.time()
        got = 0
        while time.time() - t0 < 4.0:      # read no faster than 11520 bytes/s (115200 8N1)
            r, _, _ = select.select([c.fd], [], [], 0.05)
            if r:
                data = os.read(c.fd, 576)
                c.buf += data
                got += len(data)
                time.sleep(len(data) / 11520.0)
        shown = c.buf[start:]
        frames = shown.count(b"\x1b[H") - 1   # the first is the screen clear
        homes = [m.start() for m in re.finditer(rb"\x1b\[H", shown)]
        per = [b - a for a, b in zip(homes[1:], homes[2:])]
        bpf = max(per) if per else 0
        fps = frames / (time.time() - t0)
        print("  aim: %d frames in 4 s through a 115200-baud reader = %.1f fps; %d bytes/frame "
              "(line limit %.1f fps)" % (frames, fps, bpf, 11520.0 / max(bpf, 1)), flush=True)
        check(bpf > 0 and 11520.0 / bpf >= 2.0, "aim frame small enough for >= 2 fps at 115200 baud")
        check(frames >= 2, "aim keeps redrawing through a 115200-baud reader (%.1f fps)" % fps)
        rows = [l for l in shown.split(b"\r\n") if len(l) == 64]
        check(len(rows) >= 20, "aim draws 64-column rows of characters")
        c.send("\x03")
        check(c.expect(prompt) is not None, "Ctrl-C stops the aim preview")

        c.send("config set device.lane 2\r")
        out = c.expect(prompt)
        check(out is not None and b"Saved" in out, "config set saves")
        with open(site) as f:
            check("lane = 2" in f.read(), "config set wrote the site file")
        c.send("config set device.lane 99\r")
        out = c.expect(prompt)
        check(out is not None and b"out of range" in out, "config set validates")
        c.send("config set camera.fps 30\r")
        out = c.expect(prompt)
        check(out is not None and b"restart" in out, "config set names a restart for a non-reloadable key")
        c.send("service restart\r")
        check(c.expect(r"Restart anprd now\? \[y/N\] ") is not None, "service restart asks first")
        c.send("n\r")
        check(c.expect(r"Not done") is not None, "'n' does nothing")
        c.send("service restart\r")
        c.expect(r"\[y/N\] ")
        c.send("y\r")
        check(c.expect(r"Done\.") is not None, "'y' restarts")
        c.send("reboot\r")
        c.expect(r"\[y/N\] ")
        c.send("\r")
        c.expect(prompt)
        with open(os.path.join(tmp, "systemctl.log")) as f:
            calls = f.read().splitlines()
        check(calls == ["restart anprd"], "systemctl ran once, with a fixed argv (%s)" % calls)
        c.send("\x04")                     # Ctrl-D logs out
        check(c.expect(r"Logged out") is not None, "Ctrl-D logs out")

        # ---- supervisor sees plate text ----
        c.expect(r"login: ")
        c.send("bob\rbattery staple 2\r")
        check(c.expect(r"Logged in as bob \(supervisor\)") is not None, "supervisor logs in")
        c.send("readtest 2\r")
        out = c.expect(r"Reads \d+ in", 20)
        check(out is not None and PLATE in out, "supervisor sees plate text")
        c.send("logout\r")
        c.expect(r"login: ")
        c.send("\x04")                     # Ctrl-D at login: leave
        check(c.wait_exit() == 0, "Ctrl-D at the login prompt ends anpr-diag")
        c.close()

        # ---- the audit trail: every command and failure, before it ran ----
        lines = audit_lines(audit)
        cmds = [l for l in lines if "event=command" in l]
        for want in ("status", "clock", "help clock", "selftest", "stauts", "log 5 --follow", "readtest 2",
                     "camera aim", "config set device.lane 2", "service restart", "reboot", "logout"):
            check(any(('text="%s"' % want in l) or ('text="%s "' % want in l) for l in cmds), "audited: %s" % want)
        check(sum('text="clock"' in l for l in cmds) >= 5, "every clock run audited (history, edits, slow line)")
        check(any("event=rejected" in l and "bad_line" in l for l in lines), "refused lines audited")
        check(any("event=config_set" in l and "device.lane: 1 -> 2" in l for l in lines),
              "config set audited with old and new value")
        check(any("event=login" in l and "user=bob" in l for l in lines), "logins audited")
        check(any("event=service" in l and 'text="restart"' in l and "result=confirmed" in l for l in lines),
              "the confirmed restart audited")
        check(not any(PLATE.decode() in l for l in lines), "no plate text in the audit trail")
        starts = sum("event=command" in l for l in lines)
        dones = sum("event=done" in l for l in lines)
        check(starts >= dones and dones > 10, "a start record for every finished command (%d/%d)" % (starts, dones))

        # ---- no audit, no command ----
        r = subprocess.run(base + ["--set", "diag.audit_file=/dev/full", "-c", "status"], capture_output=True)
        check(r.returncode != 0 and b"audit trail cannot be written" in r.stdout, "-c refused when audit fails")
        c = Console(base + ["--set", "diag.audit_file=/dev/full"], env)
        c.expect(r"login: ")
        c.send("alice\rcorrect horse 1\r")
        check(c.expect(r"Login refused: the audit trail") is not None, "login refused when audit fails")
        c.close()

        # ---- scripting: -c returns the command's status ----
        r = subprocess.run(base + ["-c", "clock"], capture_output=True)
        check(b"Offset" in r.stdout and b"\x1b" not in r.stdout, "-c output has no escape sequences off a tty")
        r = subprocess.run(base + ["-c", "config get nosuch.key"], capture_output=True)
        check(r.returncode == 2, "-c exit status 2 on usage errors")

        # ---- idle logout (idle_timeout_s = 10) ----
        c = Console(base, env)
        c.expect(r"login: ")
        c.send("alice\rcorrect horse 1\r")
        c.expect(prompt)
        check(c.expect(r"Logged out after 10 s without a key", 16) is not None, "idle session logged out")
        c.close()
        check(any("event=logout" in l and "result=idle" in l for l in audit_lines(audit)), "idle logout audited")
    finally:
        if fake:
            fake.kill()
            fake.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def finish():
    print("%d passed, %d failed" % (checks - failures, failures))
    return 1 if failures or checks == 0 else 0


def login(c, user, pw, role):
    c.expect(r"login: ")
    c.send(user + "\r")
    c.expect(r"password: ")
    c.send(pw + "\r")
    ok = c.expect(r"Logged in as %s \(%s\)" % (user, role)) is not None
    c.expect(r"\n\ranpr-test %s> " % role)
    return ok


def aim_rate(c, seconds=4.0):
    """Reads the aim preview no faster than 115200 baud 8N1 allows; returns (fps, bytes per frame)."""
    c.drain()
    c.send("camera aim\r")
    start = len(c.buf)
    t0 = time.time()
    while time.time() - t0 < seconds:
        r, _, _ = select.select([c.fd], [], [], 0.05)
        if r:
            data = os.read(c.fd, 576)
            c.buf += data
            time.sleep(len(data) / 11520.0)
    shown = c.buf[start:]
    homes = [m.start() for m in re.finditer(rb"\x1b\[H", shown)]
    per = [b - a for a, b in zip(homes[1:], homes[2:])]
    return (len(homes) - 1) / (time.time() - t0), (max(per) if per else 0)


def run_real(base, env, audit):
    """The same console against the real anprd replaying a clip (test_diag_anprd.sh starts it)."""
    c = Console(base, env)
    check(login(c, "bob", "battery staple 2", "supervisor"), "supervisor logs in (real anprd)")
    sup = r"\n\ranpr-test supervisor> "
    c.send("readtest 10\r")
    out = c.expect(sup, 40) or b""
    texts = set(t.strip() for t in re.findall(rb"frames +\d+  \S+ *  ([A-Z0-9][A-Z0-9 ]*)\r\n", out))
    check(len(texts) > 0, "supervisor sees plate text from anprd (%s)" % b", ".join(sorted(texts)).decode())
    c.send("logout\r")
    check(login(c, "alice", "correct horse 1", "engineer"), "engineer logs in (real anprd)")
    eng = r"\n\ranpr-test engineer> "
    c.send("readtest 10\r")
    out = c.expect(eng, 40) or b""
    reads = re.findall(rb"confidence \d\.\d\d  frames +\d+  [a-z]* *\r\n", out)
    if not reads:
        print("  (engineer readtest output: %r)" % out[-800:])
    check(len(reads) > 0, "engineer's readtest shows %d reads" % len(reads))
    check(not any(t in out for t in texts), "engineer never sees plate text (real anprd)")
    t0 = time.time()
    c.send("status\r")
    out = c.expect(r"Alarms ") or b""
    print("  status (real anprd): Enter to the last line on screen in %.0f ms" % ((time.time() - t0) * 1000),
          flush=True)
    out += c.expect(eng) or b""
    m = re.search(rb"answered in (\d+) ms", out)
    check(b"Camera    running" in out and m is not None,
          "status from the real anprd (anprd answered in %s ms)" % (m.group(1).decode() if m else "?"))
    for cmd, want in (("camera", rb"Mode +\d+ x \d+"), ("clock", rb"Offset"), ("buffer check", rb"Check .*PASS"),
                      ("keys", rb"[0-9a-f]{64}"), ("log 5", rb"\d{4}-\d\d-\d\dT"), ("net", rb"Uploads"),
                      ("config set device.lane 2", rb"anprd reloaded: in effect now")):
        c.send(cmd + "\r")
        out = c.expect(eng, 30) or b""
        check(re.search(want, out) is not None, "%s against the real anprd" % cmd)
    c.send("selftest\r")
    out = re.sub(rb"\x1b\[[0-9;]*m", b"", c.expect(eng, 60) or b"")
    check(b"PASS  anprd running" in out and b"PASS  camera frames" in out and b"PASS  buffer integrity" in out,
          "selftest against the real anprd")
    fps, bpf = aim_rate(c)
    print("  aim (real anprd): %.1f fps through a 115200-baud reader, %d bytes/frame" % (fps, bpf), flush=True)
    check(bpf and 11520.0 / bpf >= 2.0, "aim frame fits >= 2 fps at 115200 baud (real anprd, %d bytes)" % bpf)
    c.send("\x03")
    check(c.expect(eng) is not None, "Ctrl-C stops the preview (real anprd)")
    c.send("camera focus\r")
    check(c.expect(rb"best +\d+\.\d", 15) is not None, "focus shows sharpness (real anprd)")
    c.send("\x03")
    check(c.expect(eng) is not None, "Ctrl-C stops focus")
    c.send("log --follow\r")
    time.sleep(2)
    c.send("\x03")
    check(c.expect(eng) is not None, "Ctrl-C stops log --follow (real anprd)")
    c.send("logout\r")
    c.expect(r"login: ")
    c.close()
    lines = audit_lines(audit)
    check(sum("event=command" in l for l in lines) >= 15, "commands audited (real anprd)")
    check(not any(t.decode() in l for l in lines for t in texts), "no plate text in the audit trail (real anprd)")


if __name__ == "__main__":
    sys.exit(main())
