#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives qemu-system-aarch64 (virt machine) over its emulated serial console.

Usage:
  qemu-run.py configure --kernel K --initrd I --disk ROOT.ext4 [--boot BOOT.vfat] --log LOG
                        [--timeout S]
      The image build's one configuration boot: the small initrd made by build-rootfs.sh
      mounts the unpacked root file system and runs dpkg --configure -a in it. Succeeds
      when the console shows ANPR-CONFIGURE-EXIT=0 and qemu powers off.
  qemu-run.py test --image IMG --kernel K --initrd I --log LOG --report JSON [--timeout S]
      make image-test: boots the qemu-virt image the way the boards' firmware does (kernel
      command line from cmdline.txt on the boot partition). The serial console (ttyAMA0)
      runs anpr-diag, as on the boards; a root shell on a second, virtio console (hvc0,
      qemu-virt only) checks the read-only root, the data partition and rauc, commissions
      the unit (device key, an engineer's account, the site configuration through
      anpr-diag pointing the host-sim replay camera at the clip on the data partition),
      starts the anprd service and waits for its reads. Then the engineer logs in on the
      serial console and asks for the unit's status.
  qemu-run.py exec --image IMG --kernel K --initrd I --log LOG CMD...
      Boots the image as test does, runs each CMD in the root shell, prints its output and
      exit status, and powers off: for looking around a built image (nothing is kept).

The serial console's transcript goes to LOG, the root shell's to LOG.shell; a JSON summary (boot time, clip results) to
--report. Exit status: 0 all checks passed, 1 a check failed or timed out, 64 usage.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pexpect
import pexpect.fdpexpect

QEMU = ["nice", "-n", "10", "qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-smp", "2",
        "-m", "2048", "-nographic", "-no-reboot"]


def spawn(args, log):
    cmd = QEMU + args
    print("qemu-run: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace", timeout=60,
                          maxread=65536)
    child.logfile_read = log
    return child


def configure(a):
    with open(a.log, "w") as log:
        child = spawn(["-kernel", a.kernel, "-initrd", a.initrd, "-append",
                       "console=ttyAMA0 panic=-1 loglevel=4",
                       "-drive", f"file={a.disk},format=raw,if=virtio"]
                      + (["-drive", f"file={a.boot},format=raw,if=virtio"] if a.boot else []), log)
        try:
            child.expect(r"ANPR-CONFIGURE-EXIT=(\d+)", timeout=a.timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            print(f"qemu-run: configuration boot did not finish (see {a.log})", file=sys.stderr)
            child.terminate(force=True)
            return 1
        rc = int(child.match.group(1))
        child.expect(pexpect.EOF, timeout=300)
        child.close()
    print(f"qemu-run: configuration boot finished, dpkg --configure exit {rc}")
    return 0 if rc == 0 else 1


def partition_offsets(image):
    out = subprocess.run(["sfdisk", "--json", image], check=True, capture_output=True, text=True)
    table = json.loads(out.stdout)["partitiontable"]
    return [(p["start"] * 512, p.get("uuid", "")) for p in table["partitions"]], table


def boot_cmdline(image):
    """What the Pi firmware does: read cmdline.txt from the FAT boot partition (partition 1)."""
    parts, _ = partition_offsets(image)
    off = parts[0][0]
    out = subprocess.run(["mtype", "-i", f"{image}@@{off}", "::cmdline.txt"], check=True,
                         capture_output=True, text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return out.stdout.strip()


class Console:
    """A root shell on the emulator's second console (hvc0), driven line by line."""
    PROMPT = "ANPRTEST# "

    def __init__(self, child):
        self.child = child

    def run(self, cmd, timeout=120):
        """Runs cmd in the shell; returns (exit status, output)."""
        self.child.sendline(f"{cmd}; echo \"@RC=$?@\"")
        self.child.expect(r"@RC=(\d+)@", timeout=timeout)
        out = self.child.before
        rc = int(self.child.match.group(1))
        self.child.expect_exact(self.PROMPT, timeout=30)
        # Drop what is left of the echoed command line.
        lines = out.replace("\r", "").split("\n")
        return rc, "\n".join(lines[1:]).strip()


class Unit:
    """A booted qemu-virt image: serial (ttyAMA0: the kernel console and anpr-diag, as on the
    boards) and the root shell on the virtio console hvc0 (qemu-virt only)."""

    def __init__(self, a, log, shell_log):
        self.tmp = tempfile.mkdtemp(prefix="anpr-qemu-")
        sock_path = os.path.join(self.tmp, "hvc0.sock")
        self.t0 = time.monotonic()
        self.serial = spawn(["-kernel", a.kernel, "-initrd", a.initrd, "-append", boot_cmdline(a.image),
                             # -snapshot: the run's writes (data partition) go to a temporary
                             # overlay, so the image stays as built.
                             "-drive", f"file={a.image},format=raw,if=virtio", "-snapshot",
                             "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
                             "-chardev", f"socket,id=hvc0,path={sock_path},server=on,wait=off",
                             "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=hvc0"], log)
        self.sock = None
        for _ in range(200):
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(sock_path)
                break
            except OSError:
                self.sock.close()
                self.sock = None
                time.sleep(0.05)
        if self.sock is None:
            self.close()
            raise pexpect.EOF("qemu's hvc0 socket never appeared")
        self.shell = pexpect.fdpexpect.fdspawn(self.sock.fileno(), encoding="utf-8",
                                               codec_errors="replace", timeout=60, maxread=65536)
        self.shell.logfile_read = shell_log

    def login_shell(self, timeout):
        """Waits for the autologin root shell on hvc0; returns (Console, seconds since start)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.shell.expect(r"root@[\w-]+:~# ", timeout=20)
                break
            except pexpect.TIMEOUT:
                if time.monotonic() > deadline:
                    raise
                self.shell.send("\r")  # connected after agetty printed its prompt
        took = time.monotonic() - self.t0
        self.shell.sendline(f"export PS1='{Console.PROMPT}'; stty -echo cols 200")
        self.shell.expect_exact(Console.PROMPT, timeout=30)
        return Console(self.shell), took

    def poweroff(self):
        self.shell.sendline("poweroff")
        self.serial.expect(pexpect.EOF, timeout=300)
        self.close()

    def close(self):
        if self.serial.isalive():
            self.serial.terminate(force=True)
        if self.sock:
            self.sock.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def exec_cmds(a):
    unit = None
    with open(a.log, "w") as log, open(a.log + ".shell", "w") as shell_log:
        try:
            unit = Unit(a, log, shell_log)
            con, boot_s = unit.login_shell(a.timeout)
            print(f"qemu-run: shell after {boot_s:.1f}s", flush=True)
            for cmd in a.cmd:
                rc, out = con.run(cmd, timeout=a.timeout)
                print(f"### {cmd} (exit {rc})\n{out}", flush=True)
            unit.poweroff()
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            print(f"qemu-run: {type(e).__name__} (see {a.log})", file=sys.stderr)
            if unit:
                unit.close()
            return 1
    return 0


# The commissioning the test does, as an installer would (docs/image.md, boards' READMEs).
ENGINEER, ENGINEER_PW = "tester", "qemu-virt-Test-1"
SITE = [("camera.replay_source", "file:/data/clip/clip.avi"),
        # Emulated CPUs read a few frames a second: every frame, and the clip over and over,
        # so anprd stays up for the console's questions.
        ("pipeline.replay_pace", "fast"), ("camera.replay_loops", "1000"),
        ("device.id", "anpr-qemu-0001")]


def test(a):
    report = {"image": a.image, "checks": {}}
    ok = True

    def check(name, passed, detail=""):
        nonlocal ok
        report["checks"][name] = {"pass": bool(passed), "detail": detail}
        print(f"qemu-run: {'PASS' if passed else 'FAIL'} {name} {detail}", flush=True)
        ok = ok and bool(passed)

    report["cmdline"] = boot_cmdline(a.image)
    unit = None
    with open(a.log, "w") as log, open(a.log + ".shell", "w") as shell_log:
        t0 = time.monotonic()
        try:
            unit = Unit(a, log, shell_log)
            serial = unit.serial
            # The board's serial console: anpr-diag's banner and login, no shell.
            serial.expect(r"login: ", timeout=a.timeout)
            banner = serial.before.replace("\r", "")[-400:]
            report["console_banner_s"] = round(time.monotonic() - t0, 1)
            check("anpr-diag on the serial console", "anpr" in banner.lower(),
                  f"{report['console_banner_s']}s; {banner.strip().splitlines()[-1] if banner.strip() else ''}")
            con, shell_s = unit.login_shell(a.timeout)
            report["boot_to_shell_s"] = round(shell_s, 1)
            check("root shell on hvc0", True, f"{shell_s:.1f}s")
            rc, out = con.run("systemctl is-system-running --wait", timeout=600)
            report["system_state"] = out.splitlines()[-1] if out else ""
            report["boot_to_running_s"] = round(time.monotonic() - t0, 1)
            rc, failed = con.run("systemctl --failed --no-legend --plain | cut -d' ' -f1")
            report["failed_units"] = failed.split()
            check("systemd reached running", out.strip().endswith("running"),
                  out.strip()[-100:] + (f"; failed units: {failed.split()}" if failed.strip() else ""))
            rc, out = con.run("systemd-analyze time | head -3")
            report["systemd_analyze"] = out
            rc, out = con.run("findmnt -no OPTIONS /")
            check("root mounted read-only", rc == 0 and out.split(",")[0] == "ro", out)
            rc, out = con.run("findmnt -no SOURCE,FSTYPE /data; for m in /var/lib/anpr /etc/anpr /tmp /var/log;"
                              " do echo \"$m $(findmnt -no FSTYPE $m)\"; done")
            want = ["/var/lib/anpr ext4", "/etc/anpr overlay", "/tmp tmpfs", "/var/log tmpfs"]
            check("data partition and writable mounts", rc == 0 and "ext4" in out.splitlines()[0]
                  and all(w in out for w in want), out.replace("\n", "; "))
            rc, out = con.run("rauc status 2>&1 | head -30", timeout=120)
            report["rauc_status"] = out
            check("rauc sees the booted slot", rc == 0 and re.search(r"Booted from: rootfs\.0", out) is not None,
                  out[:300])
            rc, out = con.run("systemctl show -p Result -p ExecMainStatus --value anpr-mark-good.service")
            check("slot marked good after boot (anpr-mark-good ran)", out.split() == ["success", "0"], out)
            rc, out = con.run("anprd --version")
            check("anprd installed", rc == 0, out.splitlines()[0] if out else "")
            rc, out = con.run("ls /data/clip/")
            check("clip on data partition", rc == 0 and "clip.avi" in out, out)

            # Commissioning: device key, an engineer's account, the site configuration through
            # anpr-diag (atomic, audited), then anprd as the service it is on a unit.
            rc, out = con.run("runuser -u anpr -- anprd --config /etc/anpr/anpr.conf --gen-key 2>&1 | tail -2")
            check("device key generated", rc == 0 and "fingerprint" in out, out)
            rc, out = con.run(f"printf '%s\\n%s\\n' '{ENGINEER_PW}' '{ENGINEER_PW}' |"
                              f" anpr-diag --set-password {ENGINEER} engineer 2>&1")
            check("engineer account created", rc == 0, out)
            set_ok = True
            for key, value in SITE:
                rc, out = con.run(f"anpr-diag -y -c 'config set {key} {value}' 2>&1 | tail -3", timeout=120)
                set_ok = set_ok and rc == 0
            rc, out = con.run("anpr-diag -c 'config diff' 2>&1", timeout=120)
            shown = {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if len(ln.split()) > 2}
            check("site configuration set with anpr-diag", set_ok and all(shown.get(k) == v for k, v in SITE),
                  "; ".join(f"{k}={shown.get(k)}" for k, _ in SITE))
            t1 = time.monotonic()
            rc, out = con.run("systemctl start anprd && systemctl is-active anprd", timeout=300)
            check("anprd service started", rc == 0 and out.strip().endswith("active"), out)
            reads = 0
            status = ""
            while time.monotonic() - t1 < a.timeout:
                rc, status = con.run("anpr-diag -c status 2>&1", timeout=300)
                m = re.search(r"^Reads .*total (\d+)", status, re.M)
                reads = int(m.group(1)) if m else 0
                if reads > 0:
                    break
                time.sleep(10)
            report["clip_seconds"] = round(time.monotonic() - t1, 1)
            report["diag_status"] = status
            check("anprd (service) read the clip", reads > 0,
                  f"{reads} reads stored {report['clip_seconds']:.0f}s after start")
            rc, out = con.run("systemctl show -p NRestarts --value anprd; systemctl is-active anprd")
            check("anprd still running, never restarted", out.split() == ["0", "active"], out)

            # The engineer on the serial console, as with a laptop on the unit's port.
            serial.sendline(ENGINEER)
            serial.expect(r"password: ", timeout=60)
            serial.sendline(ENGINEER_PW)
            serial.expect(r"Logged in as (\S+) \((\w+)\)", timeout=120)
            who = serial.match.group(0)
            serial.expect(r"> ", timeout=60)
            serial.sendline("status")
            serial.expect(r"Reads .*total (\d+)", timeout=300)
            console_reads = int(serial.match.group(1))
            shown = (serial.before + serial.after).replace("\r", "")
            serial.expect(r"> ", timeout=60)
            report["console_status"] = shown
            check("anpr-diag answers on the serial console",
                  console_reads > 0 and re.search(r"^Camera +running", shown, re.M) is not None,
                  f"{who}; status shows {console_reads} reads")
            serial.sendline("logout")
            serial.expect(r"login: ", timeout=120)
            rc, out = con.run("tail -3 /var/lib/anpr/diag/audit.log 2>/dev/null || journalctl -b -u anpr-console@ttyAMA0 --no-pager | tail -3")
            report["audit_tail"] = out
            unit.poweroff()
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            check("console conversation", False, f"{type(e).__name__} (see {a.log} and {a.log}.shell)")
            if unit:
                unit.close()
        report["total_s"] = round(time.monotonic() - t0, 1)
    with open(a.report, "w") as f:
        json.dump(report, f, indent=2)
    print(f"qemu-run: {'all checks passed' if ok else 'FAILED'}; transcript {a.log}, summary {a.report}")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("configure")
    c.add_argument("--kernel", required=True)
    c.add_argument("--initrd", required=True)
    c.add_argument("--disk", required=True)
    c.add_argument("--boot", help="the boot partition's FAT image, mounted at /boot/firmware")
    c.add_argument("--log", required=True)
    c.add_argument("--timeout", type=int, default=3600)
    t = sub.add_parser("test")
    t.add_argument("--image", required=True)
    t.add_argument("--kernel", required=True)
    t.add_argument("--initrd", required=True)
    t.add_argument("--log", required=True)
    t.add_argument("--report", required=True)
    t.add_argument("--timeout", type=int, default=1800)
    e = sub.add_parser("exec")
    e.add_argument("--image", required=True)
    e.add_argument("--kernel", required=True)
    e.add_argument("--initrd", required=True)
    e.add_argument("--log", required=True)
    e.add_argument("--timeout", type=int, default=600)
    e.add_argument("cmd", nargs="+")
    a = p.parse_args()
    return {"configure": configure, "test": test, "exec": exec_cmds}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
