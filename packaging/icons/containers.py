"""Writes the Windows and macOS icon files from the PNGs beside this script:
packaging/windows/revans.ico and packaging/macos/revans.icns. Both formats hold PNGs as
they are (an ICO's PNG entries are read by Windows Vista and later; an ICNS's 'icp6' and
'ic08' entries are its 64 and 256 pixel PNGs), so nothing is redrawn.

    python3 packaging/icons/containers.py
"""

import pathlib
import struct

here = pathlib.Path(__file__).resolve().parent
packaging = here.parent
pngs = {size: (here / f"org.revans.Revans-{size}.png").read_bytes() for size in (64, 256)}

# ICO: a header, one directory entry per image (a width of 0 means 256), then the images.
offset = 6 + 16 * len(pngs)
directory, images = b"", b""
for size, png in pngs.items():
    side = 0 if size == 256 else size
    directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(images))
    images += png
(packaging / "windows" / "revans.ico").write_bytes(struct.pack("<HHH", 0, 1, len(pngs)) + directory + images)

# ICNS: 'icns' and the file's length, then typed entries, each with its own length.
entries = b"".join(
    kind + struct.pack(">I", 8 + len(png)) + png
    for kind, png in ((b"icp6", pngs[64]), (b"ic08", pngs[256]))
)
(packaging / "macos" / "revans.icns").write_bytes(b"icns" + struct.pack(">I", 8 + len(entries)) + entries)
