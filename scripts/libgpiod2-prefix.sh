#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# scripts/libgpiod2-prefix.sh [DIR]: libgpiod 2.x (the v2 API OpenBMC's meta-oe builds) from
# Debian bookworm-backports, unpacked into a private prefix (default: build-deps/libgpiod2) for
# the second build tree (scripts/build.sh gpiod2). Nothing is installed: bookworm's
# libgpiod-dev 1.6 and backports' 2.x conflict, so the packages are only downloaded
# (`apt-get download`) and unpacked (`dpkg -x`). The machine's own apt sources stay as they
# are: a private sources file and lists folder under DIR point apt at bookworm-backports of the
# same mirror.
#
# Prints the pkg-config directory of the prefix on stdout. A ready prefix costs ~0 s and never
# touches the network; exit 77 when the packages cannot be had (no apt, no mirror), so callers
# may skip the second tree with that reason.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/build-deps/libgpiod2}
prefix=$dir/root
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
pcdir=$prefix/usr/lib/$multiarch/pkgconfig

say() {
    echo "libgpiod2-prefix: $*" >&2
}

if [[ -f "$dir/ready" && -f "$pcdir/libgpiod.pc" ]]; then
    echo "$pcdir"
    exit 0
fi

command -v apt-get >/dev/null || { say "no apt-get: cannot fetch libgpiod 2"; exit 77; }
sources=/etc/apt/sources.list.d/debian.sources
uri=$(sed -n 's/^URIs: //p' "$sources" 2>/dev/null | head -1)
keyring=$(sed -n 's/^Signed-By: //p' "$sources" 2>/dev/null | head -1)
if [[ -z "$uri" ]]; then
    uri=$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\) bookworm .*/\2/p' /etc/apt/sources.list 2>/dev/null |
        head -1)
fi
[[ -n "$uri" ]] || { say "no Debian mirror found in the apt sources"; exit 77; }

rm -rf "$dir"
mkdir -p "$dir/lists/partial" "$dir/debs" "$prefix"
{
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\n' "$uri"
    [[ -z "$keyring" ]] || printf 'Signed-By: %s\n' "$keyring"
} > "$dir/backports.sources"
apt_private=(-o "Dir::Etc::sourcelist=$dir/backports.sources" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$dir/lists" -o "Debug::NoLocking=1")

say "apt-get update of bookworm-backports ($uri), private lists"
apt-get "${apt_private[@]}" update -q >&2 || { say "apt-get update failed"; exit 77; }
say "downloading libgpiod-dev and libgpiod3"
(cd "$dir/debs" && apt-get "${apt_private[@]}" download libgpiod-dev libgpiod3 >&2) ||
    { say "apt-get download failed"; exit 77; }
for deb in "$dir"/debs/*.deb; do
    dpkg -x "$deb" "$prefix"
done
[[ -f "$pcdir/libgpiod.pc" ]] || { say "no libgpiod.pc in the packages"; exit 1; }
# The .pc says prefix=/usr: point it at the private prefix.
sed -i "s|^prefix=.*|prefix=$prefix/usr|" "$pcdir/libgpiod.pc"
version=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_LIBDIR=$pcdir pkg-config --modversion libgpiod)
case $version in
2.*) ;;
*) say "bookworm-backports gave libgpiod $version, not 2.x"; exit 1 ;;
esac
rm -rf "$dir/lists" "$dir/debs"
touch "$dir/ready"
say "libgpiod $version in $prefix"
echo "$pcdir"
