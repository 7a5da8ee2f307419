#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the one-off configuration initrd (tools/image/build-rootfs.sh): loads the
# virtio block and ext4 modules, mounts the unpacked root file system from /dev/vda,
# runs /anpr-configure.sh in it (dpkg --configure -a and the image's setup), powers off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m" || echo "configure-init: insmod $m failed"; done
# shellcheck disable=SC2034 # the count only bounds the wait
for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.2; done
rc=1
if mount -t ext4 -o rw /dev/vda /newroot; then
	mount -t proc proc /newroot/proc
	mount -t sysfs sys /newroot/sys
	mount -o bind /dev /newroot/dev
	mount -t tmpfs -o mode=0755 tmpfs /newroot/run
	mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
	# The boot partition, if given (/dev/vdb): raspi-firmware's hooks write to it.
	[ -b /dev/vdb ] && mkdir -p /newroot/boot/firmware && mount -t vfat /dev/vdb /newroot/boot/firmware
	chroot /newroot /bin/sh /anpr-configure.sh
	rc=$?
	mountpoint -q /newroot/boot/firmware && umount /newroot/boot/firmware
	umount /newroot/tmp /newroot/run /newroot/dev /newroot/sys /newroot/proc
	umount /newroot || mount -o remount,ro /newroot
else
	echo "configure-init: cannot mount /dev/vda"
fi
sync
echo "ANPR-CONFIGURE-EXIT=$rc"
poweroff -f
