#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs once inside the image, during the build's configuration boot under qemu
# (tools/image/build-rootfs.sh): configures the unpacked packages as the first install
# of a Debian system would, then applies the image's settings. Removes itself.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
	DEBCONF_NONINTERACTIVE_SEEN=true ANPR_BOARD=@ANPR_BOARD@ HOME=/root
echo "anpr-configure: dpkg --configure -a (board @IMAGE_BOARD@, anprd board $ANPR_BOARD)"
start=$(cut -d. -f1 /proc/uptime)
# No services start in here: invoke-rc.d asks policy-rc.d; systemctl sees no running systemd.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
# /etc/passwd and /etc/group are already there (build-rootfs.sh copies base-passwd's masters,
# as debootstrap does), so the postinsts that chown to root:root work in any order.
# The initrd is built once, at the end: under emulation each update-initramfs takes most of
# an hour, and the kernel's postinst and the initramfs-tools trigger would each run it.
dpkg-divert --local --rename --add /usr/sbin/update-initramfs >/dev/null
ln -sf /bin/true /usr/sbin/update-initramfs
dpkg --configure -a
rc=$?
if [ $rc != 0 ]; then
	echo "anpr-configure: first dpkg --configure -a failed ($rc); retrying once"
	dpkg --configure -a
	rc=$?
fi
dpkg --triggers-only -a || rc=$?
rm -f /usr/sbin/policy-rc.d
ldconfig
rm -f /usr/sbin/update-initramfs
dpkg-divert --local --rename --remove /usr/sbin/update-initramfs >/dev/null
kver=$(ls /lib/modules)
update-initramfs -c -k "$kver" || rc=$?
echo "anpr-configure: packages configured in $(( $(cut -d. -f1 /proc/uptime) - start ))s (rc $rc)"
# A bare-binaries bring-up image (no .deb) still needs the anpr user and folders.
if ! getent passwd anpr >/dev/null; then systemd-sysusers; fi
# The image's own settings (tools/image/rootfs/usr/lib/anpr-image/setup).
/usr/lib/anpr-image/setup || rc=$?
unsealed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | grep -vc '^ii ' || true)
echo "anpr-configure: packages not fully installed: $unsealed"
[ "$unsealed" = 0 ] || { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | grep -v '^ii '; rc=1; }
rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /anpr-configure.sh
echo "anpr-configure: done (rc $rc)"
exit $rc
