#!/usr/bin/env bash
# Builds the bootable SD-card image of the appliance for the Raspberry Pi 3, 4, 400, CM4 and
# Zero 2 W (arm64), from Debian 12's own packages only (Debian's arm64 kernel and raspi-firmware)
# plus the fabomatic arm64 package:
#   tools/image.sh [build/package/fabomatic_<version>_arm64.deb]
#     -> build/image/fabomatic-<version>-arm64.img     (write it to a card: dd, or any flasher)
# Default package: the newest arm64 one in build/package, made by tools/package.sh arm64 if none.
# Set FABOMATIC_IMAGE_XZ=1 to also write the .img.xz to hand out.
#
# How: mmdebstrap makes the root file system (arm64 maintainer scripts run under qemu-user
# through binfmt_misc), packaging/image/ adds the appliance's system settings, then the disk is
# assembled without mounting anything: a FAT32 RASPIFIRM partition (the Pi's firmware, kernel,
# initramfs, device trees; mkfs.vfat + mcopy), an ext4 RASPIROOT partition (mkfs.ext4 -d) and a
# DOS partition table (sfdisk). tools/image-test.sh boots the result under QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root (mmdebstrap --mode=root, binfmt_misc)" >&2; exit 1; }
tools/install-deps.sh --image

deb=${1:-$(ls -t build/package/fabomatic_*_arm64.deb 2>/dev/null | head -1 || true)}
if [[ -z "$deb" ]]; then
  tools/package.sh arm64
  deb=$(ls -t build/package/fabomatic_*_arm64.deb | head -1)
fi
deb=$(realpath "$deb")
version=$(dpkg-deb --field "$deb" Version)
work=$root_dir/build/image
rootfs=$work/rootfs
image=$work/fabomatic-$version-arm64.img
mkdir -p "$work"
exec 9>"$work/.lock"
flock -n 9 || { echo "$0: another image build is running in $work" >&2; exit 1; }
start=$SECONDS

# --- binfmt_misc for arm64 programs (left as found at the end) ---
mounted_binfmt=no
registered_binfmt=no
cleanup() {
  if [[ $registered_binfmt == yes ]]; then echo -1 >/proc/sys/fs/binfmt_misc/qemu-aarch64 || true; fi
  if [[ $mounted_binfmt == yes ]]; then umount /proc/sys/fs/binfmt_misc || true; fi
}
trap cleanup EXIT
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  mounted_binfmt=yes
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
  # Debian's qemu-user-static entry; its F flag opens the interpreter now, so it also works
  # inside the chroot.
  cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
  registered_binfmt=yes
fi

# --- root file system ---
packages=(
  linux-image-arm64 raspi-firmware initramfs-tools zstd   # kernel, Pi firmware, initramfs
  systemd-sysv udev kmod dbus                               # the system
  systemd-resolved systemd-timesyncd iproute2 avahi-daemon  # network: DHCP (networkd), DNS, time, fabomatic.local
  openssh-server                                            # installed, off until enabled
  fdisk e2fsprogs dosfstools                                # first boot grows the root; fsck
  sqlite3 ca-certificates nano                              # backups, mail over TLS, editing settings
)
# fabomatic's own dependencies are installed by mmdebstrap too (from the package's Depends, first
# of each alternative), so the package itself goes in without the network: inside the finished
# root file system, DNS already points at systemd-resolved, which is not running there.
depends=$(dpkg-deb --field "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$')
packages+=($depends)
echo "== mmdebstrap arm64 root file system ($(IFS=,; echo "${packages[*]}" | tr -s ' '))"
rm -rf "$rootfs"
mmdebstrap --mode=root --arch=arm64 --variant=minbase \
  --components="main non-free-firmware" \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --dpkgopt=force-confold --dpkgopt=force-confdef \
  --setup-hook="cp -a '$root_dir/packaging/image/early/.' \"\$1/\"" \
  --customize-hook="copy-in '$deb' /tmp" \
  --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/$(basename "$deb")" \
  --customize-hook="rm -f \"\$1/tmp/$(basename "$deb")\"" \
  bookworm "$rootfs" \
  "deb http://deb.debian.org/debian bookworm main non-free-firmware" \
  "deb http://deb.debian.org/debian bookworm-updates main non-free-firmware" \
  "deb http://deb.debian.org/debian-security bookworm-security main non-free-firmware" \
  >"$work/mmdebstrap.log" 2>&1 || { tail -40 "$work/mmdebstrap.log"; exit 1; }
echo "   $((SECONDS - start)) s"

echo "== appliance settings (packaging/image/rootfs)"
cp -a packaging/image/rootfs/. "$rootfs/"
# What must differ between cards is drawn at first boot: the portal's secret key, the SSH host
# keys, the machine id; the certificate is made by fabomatic at its first start.
sed -i 's/^secret_key = "[0-9a-f]*"/secret_key = "@SECRET_KEY@"/' "$rootfs/etc/fabomatic/settings.toml"
grep -q '@SECRET_KEY@' "$rootfs/etc/fabomatic/settings.toml"
rm -f "$rootfs"/etc/ssh/ssh_host_*
echo uninitialized >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
ln -sf ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"
# Root logs in on the console without a password (like Debian's own Raspberry Pi images); SSH,
# off by default, never accepts an empty password.
chroot "$rootfs" passwd --delete root >/dev/null
systemctl --root="$rootfs" enable systemd-networkd.service systemd-resolved.service \
  systemd-timesyncd.service avahi-daemon.service fabomatic.service \
  fabomatic-firstboot.service fabomatic-console.service fabomatic-enable-ssh.service >/dev/null 2>&1
systemctl --root="$rootfs" disable ssh.service ssh.socket >/dev/null 2>&1 || true
# Nothing runs apt on its own on an appliance (and wears the card).
systemctl --root="$rootfs" mask apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
for unit in fabomatic.service fabomatic-firstboot.service fabomatic-console.service \
  systemd-networkd.service avahi-daemon.service; do
  state=$(systemctl --root="$rootfs" is-enabled "$unit" 2>/dev/null || true)
  echo "   $unit: $state"
done
echo "   ssh.service: $(systemctl --root="$rootfs" is-enabled ssh.service 2>/dev/null || true)"

# --- partitions ---
echo "== disk image"
firmware=$work/firmware
rm -rf "$firmware"
mkdir -p "$firmware"
cp -a "$rootfs/boot/firmware/." "$firmware/"
rm -rf "$rootfs/boot/firmware"
mkdir -p "$rootfs/boot/firmware"
ls "$firmware"/vmlinuz* "$firmware"/initrd.img* "$firmware"/config.txt "$firmware"/cmdline.txt >/dev/null

fat_mib=256
fat=$work/firmware.vfat
rm -f "$fat"
mkfs.vfat -C -F 32 -n RASPIFIRM "$fat" $((fat_mib * 1024)) >/dev/null
mcopy -s -i "$fat" "$firmware"/* ::

used_mib=$(du -sm "$rootfs" | cut -f1)
root_mib=$((used_mib * 115 / 100 + 256)) # room for the first start; the first boot grows it
root=$work/root.ext4
rm -f "$root"
mkfs.ext4 -q -L RASPIROOT -d "$rootfs" "$root" "${root_mib}M"

rm -f "$image"
truncate -s $((4 + fat_mib + root_mib))M "$image"
sfdisk -q "$image" <<PARTITIONS
label: dos
start=4MiB, size=${fat_mib}MiB, type=c, bootable
start=$((4 + fat_mib))MiB, type=83
PARTITIONS
dd if="$fat" of="$image" bs=1M seek=4 conv=notrunc,sparse status=none
dd if="$root" of="$image" bs=1M seek=$((4 + fat_mib)) conv=notrunc,sparse status=none
rm -f "$fat" "$root"
sfdisk -l "$image" | sed 's/^/   /'
echo "== $image"
echo "   size $(du -m --apparent-size "$image" | cut -f1) MiB (root file system ${used_mib} MiB used), on disk $(du -m "$image" | cut -f1) MiB (sparse)"
if [[ "${FABOMATIC_IMAGE_XZ:-0}" == 1 ]]; then
  xz -T2 -6 -k -f "$image"
  echo "   $image.xz: $(du -m "$image.xz" | cut -f1) MiB"
fi
echo "   built in $((SECONDS - start)) s; boot it under QEMU: tools/image-test.sh $image"
