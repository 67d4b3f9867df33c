"""Lowers one symbol-version requirement of an ELF64 little-endian shared library.

Usage: retarget_elf_version.py LIBRARY REQUIRED REPLACEMENT
Example: retarget_elf_version.py libLibTorchSharp.so GLIBCXX_3.4.32 GLIBCXX_3.4.30

Every Elf64_Vernaux entry of the .gnu.version_r section that names REQUIRED is made to name REPLACEMENT instead:
its vna_name is pointed at REPLACEMENT in .dynstr (at an existing copy when there is one, else REQUIRED's string is
overwritten, which needs names of equal length) and its vna_hash is recomputed. Symbols that were bound to REQUIRED
must have had their version cleared first (patchelf --clear-symbol-version), or the loader still looks for it.
Prints how many entries changed; changing none is not an error, so the script can run twice.
"""
import struct
import sys


def sysv_hash(name: bytes) -> int:
    """The ELF (System V) hash of a name, as stored in vna_hash."""
    value = 0
    for byte in name:
        value = ((value << 4) + byte) & 0xFFFFFFFF
        high = value & 0xF0000000
        if high:
            value ^= high >> 24
        value &= ~high & 0xFFFFFFFF
    return value


def sections(image: bytearray) -> dict:
    """Section name -> (file offset, size), from the section header table."""
    if image[:4] != b"\x7fELF" or image[4] != 2 or image[5] != 1:
        raise SystemExit("not an ELF64 little-endian file")
    (table,) = struct.unpack_from("<Q", image, 0x28)
    entry_size, count, names_index = struct.unpack_from("<HHH", image, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", image, table + i * entry_size) for i in range(count)]
    names_offset = headers[names_index][4]

    def name_of(header) -> str:
        start = names_offset + header[0]
        return image[start:image.index(0, start)].decode()

    return {name_of(h): (h[4], h[5]) for h in headers}


def retarget(path: str, required: str, replacement: str) -> int:
    with open(path, "rb") as file:
        image = bytearray(file.read())
    table = sections(image)
    if ".gnu.version_r" not in table:
        return 0
    strings_offset, strings_size = table[".dynstr"]
    strings = bytes(image[strings_offset:strings_offset + strings_size])
    old, new = required.encode() + b"\0", replacement.encode() + b"\0"
    existing = strings.find(b"\0" + new)
    changed = 0

    need = table[".gnu.version_r"][0]
    while True:
        _, aux_count, _, aux_offset, next_need = struct.unpack_from("<HHIII", image, need)
        aux = need + aux_offset
        for _ in range(aux_count):
            _, _, _, name, next_aux = struct.unpack_from("<IHHII", image, aux)
            if strings[name:name + len(old)] == old:
                if existing >= 0:
                    name = existing + 1
                elif len(new) == len(old):
                    image[strings_offset + name:strings_offset + name + len(new)] = new
                else:
                    raise SystemExit(f"{replacement} is not in .dynstr and differs in length from {required}")
                struct.pack_into("<I", image, aux, sysv_hash(replacement.encode()))
                struct.pack_into("<I", image, aux + 8, name)
                changed += 1
            aux += next_aux
        if next_need == 0:
            break
        need += next_need

    if changed:
        with open(path, "wb") as file:
            file.write(image)
    return changed


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    print(f"{retarget(*sys.argv[1:])} version requirement(s) retargeted")
