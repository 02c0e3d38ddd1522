"""A PNG reader for the tests that check pictures (the plots of relax verify,
the ParaView renders): the chunks with their CRCs, the header, the inflated
image data and, when asked, the pixels with the row filters undone. Raises
ValueError saying what is wrong."""
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type


def read_png(path, pixels=False):
    """(width, height, raw) where raw is the inflated, still filtered image
    data; with `pixels`, (width, height, rows of RGB tuples) of an 8-bit
    RGB or RGBA picture."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:8] != SIGNATURE:
        raise ValueError("%s: no PNG signature" % path)
    position, idat, header = 8, b"", None
    while True:
        if position + 12 > len(data):
            raise ValueError("%s: truncated before IEND" % path)
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            raise ValueError("%s: bad CRC in chunk %r" % (path, kind))
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        position += 12 + length
    if header is None:
        raise ValueError("%s: no IHDR chunk" % path)
    width, height, depth, colour_type, _, _, interlace = header
    channels = CHANNELS[colour_type]
    raw = zlib.decompress(idat)
    stride = (width * channels * depth + 7) // 8
    if len(raw) != height * (1 + stride):
        raise ValueError("%s: image data of %d bytes, expected %d" % (path, len(raw), height * (1 + stride)))
    if not pixels:
        return width, height, raw
    if depth != 8 or colour_type not in (2, 6) or interlace != 0:
        raise ValueError("%s: unsupported PNG (depth %d, colour type %d)" % (path, depth, colour_type))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):  # undo the PNG filter of this row
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows
