#!/bin/sh
# Makes TorchSharp's libLibTorchSharp.so load on a libstdc++ older than GCC 13 (Debian 12).
# Called by build/TorchSharpLibstdcxx.targets; see src/Clip.Training/README.md.
#
#   torchsharp-libstdcxx.sh probe
#       exit 0 when the loader's libstdc++ lacks GLIBCXX_3.4.32 (the fix is needed), 1 when it has it
#   torchsharp-libstdcxx.sh patch SOURCE_LIB NATIVE_SOURCE_DIR WORK_DIR
#       writes WORK_DIR/libLibTorchSharp.so (a patched copy of SOURCE_LIB; SOURCE_LIB is never
#       touched) and WORK_DIR/libclip_ios_base_library_init.so (the shim it now needs).
#       Exit 4 when g++ or patchelf is missing; idempotent: an up-to-date WORK_DIR is left as it is.
set -eu

version=GLIBCXX_3.4.32
symbol=_ZSt21ios_base_library_initv
shim=libclip_ios_base_library_init.so

loader_libstdcxx() {
    # The copy the dynamic loader will pick, as ldconfig knows it; the usual Debian paths otherwise.
    path=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true) |
        awk -v arch="$(uname -m)" '$1 == "libstdc++.so.6" && (arch != "x86_64" || /x86-64/) { print $NF; exit }')
    for candidate in "$path" /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
        if [ -n "$candidate" ] && [ -e "$candidate" ]; then echo "$candidate"; return; fi
    done
}

case "${1:-}" in
probe)
    lib=$(loader_libstdcxx)
    if [ -z "$lib" ]; then
        echo "no libstdc++.so.6 found; assuming it provides $version"
        exit 1
    fi
    if grep -qaF "$version" "$lib"; then
        echo "$lib provides $version"
        exit 1
    fi
    echo "$lib lacks $version"
    exit 0
    ;;
patch)
    source_lib=$2 native=$3 work=$4
    missing=""
    command -v g++ >/dev/null 2>&1 || missing="$missing g++"
    command -v gcc >/dev/null 2>&1 || missing="$missing gcc"
    command -v patchelf >/dev/null 2>&1 || missing="$missing patchelf"
    if [ -n "$missing" ]; then
        echo "missing:$missing"
        exit 4
    fi
    mkdir -p "$work"
    tool="$work/weaken_version_need"
    if [ ! -x "$tool" ] || [ "$native/weaken_version_need.c" -nt "$tool" ]; then
        gcc -O2 -Wall -Wextra -Werror -o "$tool" "$native/weaken_version_need.c"
    fi
    if [ ! -e "$work/$shim" ] || [ "$native/ios_base_library_init.cpp" -nt "$work/$shim" ]; then
        g++ -shared -fPIC -O2 -Wall -Wextra -Werror -o "$work/$shim" "$native/ios_base_library_init.cpp"
    fi
    lib="$work/libLibTorchSharp.so"
    if [ ! -e "$lib" ] || [ "$source_lib" -nt "$lib" ]; then
        cp "$source_lib" "$lib.copy"
        chmod u+w "$lib.copy"
        mv "$lib.copy" "$lib"
    fi
    status=0
    "$tool" "$lib" "$version" "$symbol" || status=$?
    case $status in
    0) echo "$lib: $version requirement made weak, $symbol unversioned" ;;
    2) echo "$lib: already patched" ;;
    3) echo "$lib: does not require $version; left as it is"; exit 0 ;;
    *) exit 1 ;;
    esac
    # The shim sits next to the library, which finds it through its RUNPATH ($ORIGIN/).
    if ! patchelf --print-needed "$lib" | grep -qxF "$shim"; then
        patchelf --add-needed "$shim" "$lib"
        echo "$lib: now needs $shim"
    fi
    # Touched last so the target's up-to-date check compares against a finished file.
    touch "$lib" "$work/$shim"
    ;;
*)
    echo "usage: $0 probe | patch SOURCE_LIB NATIVE_SOURCE_DIR WORK_DIR" >&2
    exit 2
    ;;
esac
