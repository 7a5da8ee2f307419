#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the dpkg database for a root filesystem that mmdebstrap's extract variant unpacked.

Usage: tools/image/dpkg-db.py ROOT DEB...

This host has no binfmt_misc, so no arm64 maintainer script can run here. Instead the
tree is left as `dpkg --unpack` would leave it: packages with a postinst "install ok
unpacked" in /var/lib/dpkg/status, their conffiles moved aside to FILE.dpkg-new with the
hash "newconffile"; every package's file list, md5sums and maintainer scripts in
/var/lib/dpkg/info. Packages without a postinst have nothing to configure: they are
recorded "install ok installed" with their conffiles' hashes. `dpkg --configure -a`, run once inside qemu-system-aarch64 by
build-rootfs.sh, then configures the packages as on a real install (preinst scripts are
the one thing skipped: extract mode has already unpacked the files).

Exit status: 0 done, 1 a dpkg-deb call failed, 64 usage error.
"""
import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

# Files of a control archive that dpkg keeps in /var/lib/dpkg/info.
INFO_FILES = ("preinst", "postinst", "prerm", "postrm", "config", "templates", "md5sums",
              "conffiles", "triggers", "shlibs", "symbols")


def control_fields(deb):
    out = subprocess.run(["dpkg-deb", "-f", deb], check=True, capture_output=True, text=True)
    return out.stdout.rstrip("\n")


def field(control, name):
    for line in control.splitlines():
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def file_list(deb):
    tar = subprocess.run(f"dpkg-deb --fsys-tarfile '{deb}' | tar -t", shell=True, check=True,
                         capture_output=True, text=True)
    paths = ["/."]
    for p in tar.stdout.splitlines():
        p = p[1:] if p.startswith("./") else p
        p = "/" + p.lstrip("/")
        p = p.rstrip("/") or "/."
        if p != "/." and p != "/":
            paths.append(p)
    return paths


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    root = sys.argv[1]
    debs = sys.argv[2:]
    dpkg = os.path.join(root, "var/lib/dpkg")
    info = os.path.join(dpkg, "info")
    for d in ("info", "updates", "triggers", "alternatives", "parts"):
        os.makedirs(os.path.join(dpkg, d), exist_ok=True)
    for f in ("available", "diversions", "statoverride"):
        open(os.path.join(dpkg, f), "a").close()
    with open(os.path.join(dpkg, "arch"), "w") as f:
        f.write("arm64\n")
    def record(deb):
        control = control_fields(deb)
        name = field(control, "Package")
        arch = field(control, "Architecture")
        key = f"{name}:{arch}" if field(control, "Multi-Arch") == "same" else name
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-e", deb, tmp], check=True)
            for fname in INFO_FILES:
                src = os.path.join(tmp, fname)
                if os.path.exists(src):
                    shutil.copy2(src, os.path.join(info, f"{key}.{fname}"))
            # Without a postinst (or debconf config script) configuring is only bookkeeping:
            # such packages (about five in six) are recorded as installed right away, which
            # spares the emulated configuration boot most of its work.
            scripted = any(os.path.exists(os.path.join(tmp, f)) for f in ("postinst", "config"))
            conffiles = []
            cf = os.path.join(tmp, "conffiles")
            if os.path.exists(cf):
                for line in open(cf):
                    parts = line.split()
                    # "remove-on-upgrade" entries are not shipped files.
                    if not parts or len(parts) > 1:
                        continue
                    path = parts[0]
                    onroot = os.path.join(root, path.lstrip("/"))
                    if not os.path.lexists(onroot):
                        continue
                    if scripted:
                        os.replace(onroot, onroot + ".dpkg-new")
                        conffiles.append(f" {path} newconffile")
                    else:
                        with open(onroot, "rb") as c:
                            conffiles.append(f" {path} {hashlib.md5(c.read()).hexdigest()}")
        with open(os.path.join(info, f"{key}.list"), "w") as f:
            f.write("\n".join(file_list(deb)) + "\n")
        lines = control.splitlines()
        # dpkg writes Status right after Package.
        status = "install ok unpacked" if scripted else "install ok installed"
        out = [lines[0], f"Status: {status}"] + lines[1:]
        if conffiles:
            out.append("Conffiles:")
            out.extend(conffiles)
        return key, "\n".join(out)

    # Each package is independent: a few at a time (the dpkg-deb calls dominate).
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        stanzas = dict(pool.map(record, debs))
    with open(os.path.join(dpkg, "status"), "w") as f:
        for key in sorted(stanzas):
            f.write(stanzas[key] + "\n\n")
    left = sum(1 for v in stanzas.values() if "Status: install ok unpacked" in v)
    print(f"dpkg-db: {len(stanzas)} packages in {dpkg}/status: {left} unpacked (have a postinst), "
          f"{len(stanzas) - left} installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
