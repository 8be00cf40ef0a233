#!/usr/bin/env bash
# Prepares a Wine prefix in which GOOS=windows test binaries run:
#   .ci/wine/setup.sh PREFIX
# installs wine64 and mingw-w64 when missing, creates the prefix, reports
# Windows 10, and adds a bcryptprimitives.dll that Wine 8 lacks.
set -euo pipefail
prefix=${1:?usage: setup.sh PREFIX}
here=$(cd "$(dirname "$0")" && pwd)

if ! [ -x /usr/lib/wine/wine64 ] || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
	echo "installing wine64 and gcc-mingw-w64-x86-64-win32 for the Windows tests"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 gcc-mingw-w64-x86-64-win32 >/dev/null
fi

export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if ! [ -f "$prefix/.mio-ready" ]; then
	mkdir -p "$prefix"
	/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1
	/usr/lib/wine/wine64 reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
	x86_64-w64-mingw32-gcc -O2 -shared -o "$prefix/drive_c/windows/system32/bcryptprimitives.dll" \
		"$here/processprng.c" "$here/processprng.def" -ladvapi32
	/usr/lib/wine/wineserver -w
	touch "$prefix/.mio-ready"
fi
