#!/usr/bin/env bash
# Makes TorchSharp's native wrapper load on Linux distributions whose libstdc++ predates GCC 13 (Debian 12 has
# GCC 12's). TorchSharp 0.107's libLibTorchSharp.so requires the symbol version GLIBCXX_3.4.32 for a single symbol,
# std::ios_base_library_init(), which GCC 13 added and which only runs libstdc++'s stream set-up (already done by
# the older library on load). For each copy of libLibTorchSharp.so under OUTPUT_DIR that fails to resolve it, this
# script:
#   1. builds libnetgen_glibcxx_shim.so beside it, which defines that symbol (an empty function);
#   2. removes the symbol's version binding and makes the wrapper load the shim (patchelf);
#   3. lowers the wrapper's GLIBCXX_3.4.32 requirement to GLIBCXX_3.4.30, which Debian 12 provides.
# Copies that already load are left alone, so running it twice, or on a newer system, changes nothing.
# Usage: bench/tools/torchsharp-debian12-fix.sh OUTPUT_DIR        Needs: g++, python3, patchelf.
set -euo pipefail
output=${1:?usage: $0 OUTPUT_DIR}
tools=$(cd "$(dirname "$0")" && pwd)
missing="GLIBCXX_3.4.32' not found"

if ! command -v patchelf >/dev/null; then
  echo "patchelf is needed (apt-get install -y patchelf)" >&2
  exit 1
fi

found=0
while IFS= read -r -d '' wrapper; do
  found=1
  # ldd's output is captured first: grep -q would close the pipe early, and pipefail would turn that into a failure.
  dependencies=$(ldd "$wrapper" 2>&1 || true)
  if ! grep -q "$missing" <<<"$dependencies"; then
    echo "loads as is: $wrapper"
    continue
  fi
  folder=$(dirname "$wrapper")
  echo 'namespace std { void ios_base_library_init() {} }' | g++ -x c++ -shared -fPIC -O2 -o "$folder/libnetgen_glibcxx_shim.so" -
  patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$wrapper"
  patchelf --add-needed libnetgen_glibcxx_shim.so "$wrapper"
  patchelf --set-rpath '$ORIGIN' "$wrapper"
  python3 "$tools/retarget_elf_version.py" "$wrapper" GLIBCXX_3.4.32 GLIBCXX_3.4.30
  dependencies=$(ldd "$wrapper" 2>&1 || true)
  if grep -q "not found" <<<"$dependencies"; then
    echo "still does not load: $wrapper" >&2
    grep "not found" <<<"$dependencies" >&2
    exit 1
  fi
  echo "fixed: $wrapper"
done < <(find "$output" -name libLibTorchSharp.so -print0)

if [ "$found" = 0 ]; then
  echo "no libLibTorchSharp.so under $output" >&2
  exit 1
fi
