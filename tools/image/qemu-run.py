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
      command line from cmdline.txt on the boot partition), then on the serial console
      checks the read-only root and the data partition, runs the clip from the data
      partition through anprd (host-sim replay source) and asks anpr-diag if installed.

The full console transcript goes to LOG; a JSON summary (boot time, clip results) to
--report. Exit status: 0 all checks passed, 1 a check failed or timed out, 64 usage.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

import pexpect

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
    PROMPT = "ANPRTEST# "

    def __init__(self, child):
        self.child = child

    def run(self, cmd, timeout=120):
        """Runs cmd in the console shell; returns (exit status, output)."""
        self.child.sendline(f"{cmd}; echo \"@RC=$?@\"")
        self.child.expect(r"@RC=(\d+)@", timeout=timeout)
        out = self.child.before
        rc = int(self.child.match.group(1))
        self.child.expect_exact(self.PROMPT, timeout=30)
        # Drop the echoed command line.
        lines = out.replace("\r", "").split("\n")
        return rc, "\n".join(lines[1:]).strip()


def test(a):
    report = {"image": a.image, "checks": {}}
    ok = True

    def check(name, passed, detail=""):
        nonlocal ok
        report["checks"][name] = {"pass": bool(passed), "detail": detail}
        print(f"qemu-run: {'PASS' if passed else 'FAIL'} {name} {detail}", flush=True)
        ok = ok and bool(passed)

    cmdline = boot_cmdline(a.image)
    report["cmdline"] = cmdline
    with open(a.log, "w") as log:
        t0 = time.monotonic()
        child = spawn(["-kernel", a.kernel, "-initrd", a.initrd, "-append", cmdline,
                       # -snapshot: the run's writes (data partition) go to a temporary overlay,
                       # so the image stays as built.
                       "-drive", f"file={a.image},format=raw,if=virtio", "-snapshot",
                       "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"], log)
        try:
            # The qemu-virt board's console: serial-getty autologin as root (the emulator
            # board only; the real boards put anpr-diag or a locked login there).
            child.expect(r"root@[\w-]+:~# ", timeout=a.timeout)
            boot_s = time.monotonic() - t0
            report["boot_to_shell_s"] = round(boot_s, 1)
            check("boot to console shell", True, f"{boot_s:.1f}s")
            child.sendline(f"export PS1='{Console.PROMPT}'; stty -echo cols 200")
            child.expect_exact(Console.PROMPT, timeout=30)
            con = Console(child)
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
            rc, out = con.run("findmnt -no SOURCE,FSTYPE /data; findmnt -no FSTYPE /var/lib/anpr /etc/anpr /tmp /var/log")
            check("data partition and binds mounted", rc == 0 and "ext4" in out and "tmpfs" in out, out)
            rc, out = con.run("cat /proc/cmdline; rauc status 2>&1 | head -20", timeout=120)
            report["rauc_status"] = out
            check("rauc sees the booted slot", "booted" in out.lower() or "rootfs.0" in out, out[-300:])
            rc, out = con.run("anprd --version")
            check("anprd installed", rc == 0, out.splitlines()[0] if out else "")
            rc, out = con.run("ls /data/clip/")
            clip = "/data/clip/clip.avi"
            check("clip on data partition", rc == 0 and "clip.avi" in out, out)
            t1 = time.monotonic()
            # As the anpr user, with a throwaway key: the unit's own key is not touched.
            rc, out = con.run("rm -rf /tmp/t && install -d -o anpr -g anpr -m 0700 /tmp/t && runuser -u anpr --"
                              " anprd --set signing.key_file=/tmp/t/device-key.pem --gen-key | tail -1")
            check("device key generated", rc == 0, out)
            run = ("runuser -u anpr -- anprd --board host-sim --set store.backend=folder --set store.dir=/tmp/t/reads"
                   " --set signing.key_file=/tmp/t/device-key.pem --set pipeline.replay_pace=fast"
                   f" --start-time 2026-11-22T08:00:00.000Z --source file:{clip} --report /tmp/t/report.json"
                   " 2>&1 | tail -5")
            rc, out = con.run(run, timeout=a.timeout)
            clip_s = time.monotonic() - t1
            rc2, rep = con.run("cat /tmp/t/report.json; echo; ls /tmp/t/reads | wc -l")
            report["clip_seconds"] = round(clip_s, 1)
            report["clip_output"] = out
            m = re.search(r"\{.*\}", rep, re.S)
            summary = json.loads(m.group(0)) if m else {}
            report["clip_report"] = summary
            nreads = int(rep.strip().splitlines()[-1]) if rep.strip() else 0
            report["read_files"] = nreads
            check("anprd read the clip", nreads > 0, f"{nreads} reads in {clip_s:.0f}s; {json.dumps(summary)[:300]}")
            rc, out = con.run("command -v anpr-diag")
            if rc == 0:
                rc, out = con.run("anpr-diag -c status 2>&1 | head -40", timeout=300)
                report["diag"] = out
                check("anpr-diag answers", rc == 0 and out != "", out[:300])
            else:
                report["diag"] = "anpr-diag not installed in this image"
                check("anpr-diag answers (not installed: console login path proven instead)", True)
            con.child.sendline("poweroff")
            child.expect(pexpect.EOF, timeout=300)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            check("console conversation", False, f"{type(e).__name__} (see {a.log})")
            child.terminate(force=True)
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
    a = p.parse_args()
    return configure(a) if a.mode == "configure" else test(a)


if __name__ == "__main__":
    sys.exit(main())
