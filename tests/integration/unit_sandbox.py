#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs a program under the kernel-side sandbox of a systemd unit, without systemd.

Usage: unit_sandbox.py [--strict] UNIT_FILE -- PROGRAM [ARGS...]

What systemd 252 would load for the unit's [Service] section, as seccomp filters:
SystemCallFilter= (allow or deny lists with @groups, expanded by systemd-analyze;
@default is implied in allow mode, as systemd does), SystemCallArchitectures=native,
RestrictAddressFamilies= (socket() families) and MemoryDenyWriteExecute= (no mapping
both writable and executable, nothing made executable later), plus NoNewPrivileges.
A forbidden call fails with the unit's SystemCallErrorNumber= as under systemd (with
--strict, and when the unit sets none, it kills the process with SIGSYS instead). A
writable and executable mapping always kills it (systemd returns EPERM), so a test run
proves that no library compiles code at run time. The file system, device
and user settings are not applied here. Uses /usr/bin/python3 with python3-seccomp.
"""
import errno
import os
import socket
import subprocess
import sys

try:
    import seccomp
except ImportError:
    print("unit_sandbox: python3-seccomp is not installed", file=sys.stderr)
    sys.exit(77)

PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000


def service_settings(path):
    """[Service] assignments in order, as (key, value) pairs."""
    out, section = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]" and "=" in line:
                k, v = line.split("=", 1)
                out.append((k.strip(), v.strip()))
    return out


def syscall_groups():
    """{"@group": [members]} from systemd-analyze; members may be groups."""
    text = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True,
                          capture_output=True, text=True).stdout
    groups, cur = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            cur = line.strip()
            groups[cur] = []
        elif cur and line.strip() and not line.strip().startswith("#"):
            groups[cur].append(line.strip())
        elif not line.strip():
            cur = None
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            if n not in groups:
                raise SystemExit(f"unit_sandbox: unknown syscall group {n}")
            out |= expand(groups[n], groups, seen)
        else:
            out.add(n)
    return out


def syscall_policy(settings, groups):
    """(allow_mode, names) from the SystemCallFilter= lines, in systemd's order."""
    allow_mode, names = None, set()
    for k, v in settings:
        if k != "SystemCallFilter":
            continue
        if v == "":
            allow_mode, names = None, set()
            continue
        invert = v.startswith("~")
        listed = expand(v.lstrip("~").split(), groups)
        if allow_mode is None:
            allow_mode = not invert
            if allow_mode:
                names = expand(["@default"], groups)
        if allow_mode != invert:
            names |= listed
        else:
            names -= listed
    return allow_mode, names


def add(f, action, name, *args):
    try:
        f.add_rule(action, name, *args)
    except (RuntimeError, ValueError, OSError):
        pass  # not a system call on this architecture


def main():
    strict = len(sys.argv) > 1 and sys.argv[1] == "--strict"
    if strict:
        del sys.argv[1]
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 64
    settings = service_settings(sys.argv[1])
    errno_ = None
    for k, v in settings:
        if k == "SystemCallErrorNumber":
            errno_ = getattr(errno, v)
    groups = syscall_groups()
    allow_mode, names = syscall_policy(settings, groups)
    families = None
    for k, v in settings:
        if k == "RestrictAddressFamilies":
            families = [getattr(socket, fam) for fam in v.split()]
    filters = []

    if allow_mode is not None:
        deny = seccomp.ERRNO(errno_) if errno_ and not strict else seccomp.KILL_PROCESS
        f = seccomp.SyscallFilter(defaction=deny if allow_mode else seccomp.ALLOW)
        for n in sorted(names):
            if allow_mode and n == "socket" and families is not None:
                continue  # allowed per family below
            add(f, seccomp.ALLOW if allow_mode else deny, n)
        if allow_mode and "socket" in names and families is not None:
            for fam in families:
                add(f, seccomp.ALLOW, "socket", seccomp.Arg(0, seccomp.EQ, fam))
        filters.append(f)
    if ("MemoryDenyWriteExecute", "yes") in settings:
        f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        wx = PROT_WRITE | PROT_EXEC
        add(f, seccomp.KILL_PROCESS, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
        add(f, seccomp.KILL_PROCESS, "mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add(f, seccomp.KILL_PROCESS, "pkey_mprotect",
            seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add(f, seccomp.KILL_PROCESS, "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
        filters.append(f)
    if not filters:
        print("unit_sandbox: the unit loads no system call filter", file=sys.stderr)
        return 1
    sys.stdout.flush()
    sys.stderr.flush()
    # The system call list last: it may forbid seccomp() itself.
    for f in reversed(filters):
        f.load()  # sets no_new_privs first
    os.execv(sys.argv[3], sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
