#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds (or reuses, when already current) the Debian 12 arm64 sysroot that toolchain.cmake cross-compiles against and qemu-aarch64 runs tests in.
#
# Usage: tools/make-sysroot.sh [DIR]     (default DIR: <repo>/build/sysroot-arm64)
#
# Environment (optional): ANPR_DEBIAN_MIRROR, ANPR_DEBIAN_SECURITY_MIRROR to
# point at a local cache of the same archives; they do not change the result,
# so they are not part of the cache key.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$(realpath -m "${1:-$repo_root/build/sysroot-arm64}")

suite=bookworm
mirror=${ANPR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${ANPR_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# What the firmware links against. apt resolves their Depends (not Recommends)
# even in mmdebstrap's extract variant, so only top-level -dev packages go here.
packages=(
  libc6-dev
  libstdc++-12-dev
  libopencv-core-dev
  libopencv-imgproc-dev
  libopencv-imgcodecs-dev
  libopencv-videoio-dev
  libjpeg62-turbo-dev
  libpng-dev
  libtesseract-dev
  libleptonica-dev
  libcurl4-openssl-dev
  libmbedtls-dev
  libcamera-dev
  libsystemd-dev
  libgpiod-dev
  libsqlite3-dev
)

# Bump whenever the fixups below change, so existing sysroots get rebuilt.
fixups_version=1

stamp_name=.anpr-sysroot-stamp
manifest_name=.anpr-sysroot-packages
multiarch=aarch64-linux-gnu

log() { printf 'make-sysroot: %s\n' "$*"; }
die() { printf 'make-sysroot: error: %s\n' "$*" >&2; exit 1; }

# The cache key covers everything that changes the tree's content we control.
# It cannot cover the archive itself moving on (point releases, security
# updates): the manifest records the exact versions a given tree got.
key=$(printf '%s\n' "suite=$suite" "fixups=$fixups_version" "${packages[@]}" | sha256sum | cut -d' ' -f1)

if [[ -f $dest/$stamp_name && $(<"$dest/$stamp_name") == "$key" ]]; then
  log "sysroot up to date: $dest"
  exit 0
fi

# Never delete something we did not build: an existing DIR must be empty or ours.
if [[ -e $dest ]]; then
  [[ -d $dest ]] || die "$dest exists and is not a directory"
  if [[ ! -f $dest/$stamp_name ]] && [[ -n $(ls -A "$dest") ]]; then
    die "$dest is not empty and has no $stamp_name; refusing to replace it"
  fi
fi

command -v mmdebstrap >/dev/null || die "mmdebstrap not found (apt-get install mmdebstrap)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# Build beside DIR (same filesystem, so the final rename is atomic) and only
# move it into place once complete: an interrupted run leaves no tree with a
# valid stamp, just a hidden temp dir that the trap removes.
mkdir -p "$(dirname "$dest")"
work=$(mktemp -d "$(dirname "$dest")/.$(basename "$dest").tmp.XXXXXX")
# mktemp makes it 0700; apt's download sandbox user (_apt) must be able to enter it.
chmod 0755 "$work"
old=""
cleanup() {
  # --one-file-system: never follow a mount mmdebstrap may have left behind.
  [[ -n $work && -e $work ]] && rm -rf --one-file-system -- "$work"
  [[ -n $old && -e $old ]] && rm -rf --one-file-system -- "$old"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building arm64 $suite sysroot in $work (${#packages[@]} packages plus dependencies)"
started=$SECONDS

# --variant=extract unpacks the packages without running maintainer scripts,
# so nothing arm64 has to execute (no binfmt_misc here) and no root-owned dpkg
# state is needed. The setup hook lays out merged /usr first, as a real
# bookworm install has it (libc6's preinst would do this on a device).
# Nothing runs inside the tree, so it needs no /dev, /proc or /sys mounts
# (skipping them also means an interrupted run cannot leave one behind).
# The extract hook records name/version of every unpacked .deb while the
# files are still in apt's cache; mmdebstrap deletes them afterwards.
include=$(IFS=,; echo "${packages[*]}")
# shellcheck disable=SC2016 # the hooks' $1 and $MMDEBSTRAP_* are expanded by mmdebstrap's sh
mmdebstrap \
  --variant=extract \
  --arch=arm64 \
  --skip=chroot/mount \
  --include="$include" \
  --setup-hook='for d in bin sbin lib; do mkdir -p "$1/usr/$d" && ln -s "usr/$d" "$1/$d"; done' \
  --extract-hook='for deb in $MMDEBSTRAP_ESSENTIAL; do dpkg-deb --show --showformat="\${Package}:\${Architecture} \${Version}\n" "$1$deb"; done | LC_ALL=C sort > "$1/'"$manifest_name"'"' \
  "$suite" "$work" \
  "deb $mirror $suite main" \
  "deb $mirror $suite-updates main" \
  "deb $security_mirror $suite-security main"

log "extracted $(wc -l <"$work/$manifest_name") packages in $((SECONDS - started))s; applying fixups"

# Fixup 1: /dev. mmdebstrap creates device nodes and /proc links for a chroot,
# but this tree is only ever a sysroot. Under `qemu-aarch64 -L` a path that
# exists in the sysroot wins, so dropping dev/ lets programs see the host's.
rm -rf --one-file-system -- "${work:?}/dev"

# Fixup 2: absolute symlinks (libfoo.so -> /lib/<triplet>/libfoo.so.1, and
# others). They would resolve against the host's / instead of the sysroot:
# the cross linker then skips the dangling .so and silently links the static
# .a instead (seen with libtirpc), or picks up whatever the host has there.
# Relative targets are computed from the link's physical directory, since
# the kernel resolves ".." physically and lib/ is itself a link to usr/lib.
relinked=0
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  dir=/$(realpath --relative-to="$work" "$(dirname "$link")")
  ln -sfn "$(realpath -m -s --relative-to="$dir" "$target")" "$link"
  relinked=$((relinked + 1))
done < <(find "$work" -type l -lname '/*' -print0)
log "rewrote $relinked absolute symlinks as relative"

# Fixup 3: libraries that update-alternatives would link into the multiarch
# dir from a postinst, which extract mode never runs. libopencv_core itself
# needs libblas.so.3 and liblapack.so.3: without these links the link fails,
# and -rpath-link to the subdirs would only move the failure to qemu run
# time. They are the only library alternatives among the current packages'
# postinsts; the NEEDED check below catches any new one.
libdir=$work/usr/lib/$multiarch
for alt in blas/libblas.so.3 lapack/liblapack.so.3; do
  if [[ -e $libdir/$alt ]]; then
    ln -sfn "$alt" "$libdir/$(basename "$alt")"
    log "linked alternative $(basename "$alt") -> $alt"
  fi
done

# Check: every DT_NEEDED of every shared library in the multiarch dir must be
# found there or in usr/lib (armadillo and hdf4 live there), or the cross
# link and qemu runs fail later with a far less obvious error. This is how a
# missing alternative shows up.
# Only warns: a plugin's optional dependency may be legitimately absent.
# (readelf exits non-zero on the linker scripts named *.so; that is expected.)
readelf=$(command -v aarch64-linux-gnu-readelf || command -v readelf || true)
if [[ -z $readelf ]]; then
  log "warning: no readelf; skipping the NEEDED check"
else
  missing=$(
    find "$libdir" -maxdepth 1 -name '*.so*' -type f -print0 |
      { xargs -0 -r "$readelf" -d 2>/dev/null || true; } |
      sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | LC_ALL=C sort -u |
      while IFS= read -r soname; do
        [[ $soname == ld-linux-aarch64.so.1 || -e $libdir/$soname || -e $work/usr/lib/$soname ]] || printf '%s ' "$soname"
      done
  )
  if [[ -n $missing ]]; then
    log "warning: needed by sysroot libraries but missing: $missing"
  else
    log "every NEEDED library in usr/lib/$multiarch resolves"
  fi
fi

# The stamp goes in last, so only a finished tree ever carries it.
printf '%s\n' "$key" >"$work/$stamp_name"

if [[ -e $dest ]]; then
  old=$(mktemp -u "$(dirname "$dest")/.$(basename "$dest").old.XXXXXX")
  mv -T -- "$dest" "$old"
fi
mv -T -- "$work" "$dest"
work=""

log "done in $((SECONDS - started))s: $dest ($(du -sh "$dest" | cut -f1))"
