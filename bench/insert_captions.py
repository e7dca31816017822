"""CEA-608 captions ("HELLO", then "WORLD", pop-on, a byte pair a picture) put into an MPEG-2
elementary stream as ATSC A/53 user data before each picture's first slice, as NTSC DVDs and
broadcasts carry them. The same construction as ClosedCaptionTests.withCaptions.
usage: python3 bench/insert_captions.py plain.m2v captioned.m2v"""
import sys


def parity(c):
    c &= 0x7F
    return c if bin(c).count("1") % 2 else c | 0x80


pairs = []
for word in ["HELLO", "WORLD"]:
    pairs += [(0x14, 0x2C)] * 2 + [(0x14, 0x20)] * 2  # erase, load the next caption
    pairs += [(ord(word[i]), ord(word[i + 1]) if i + 1 < len(word) else 0) for i in range(0, len(word), 2)]
    pairs += [(0x14, 0x2F)] * 2 + [(0, 0)] * 20  # show it, then pause

data = open(sys.argv[1], "rb").read()
out, picture, placed = bytearray(), -1, True
for i in range(len(data)):
    if data[i:i + 4] == b"\x00\x00\x01\x00":
        picture, placed = picture + 1, False
    if data[i:i + 4] == b"\x00\x00\x01\x01" and not placed:
        a, b = pairs[picture] if picture < len(pairs) else (0, 0)
        out += b"\x00\x00\x01\xb2GA94\x03" + bytes([0x40 | 1, 0xFF, 0xFC, parity(a), parity(b), 0xFF])
        placed = True
    out.append(data[i])
open(sys.argv[2], "wb").write(out)
