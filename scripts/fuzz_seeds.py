#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target into a directory (the build tree).

    scripts/fuzz_seeds.py <fuzz target> <corpus dir>

Three sources:
  * for the targets that decode SS7 octets, the shared conformance vectors
    (USSDGW_SHARED_DIR, default ../shared, read in place): each `name = hex`
    line is one seed, and the TCAP-level targets also get every BER TLV
    nested in a message, so the MAP and TPDU decoders start from real
    parameters;
  * fuzz/seeds/<target>/, when it exists: files kept in the repository (e.g.
    HTTP answers or config files for targets that do not take SS7 octets);
  * seeds built here that the captures do not hold: BER long-form tags and
    lengths, indefinite lengths, the nesting limit (X.690 §8.1.2-§8.1.3), and
    every character of the GSM 7-bit default alphabet and its extension table
    (TS 23.038 §6.2.1, §6.2.1.1), packed and as UTF-8.
"""
import hashlib
import os
import re
import sys

fuzzer, out = sys.argv[1:3]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.environ.get('USSDGW_SHARED_DIR', os.path.join(root, '..', 'shared'))


def tlvs(b, depth=0):
    """Yield every TLV found by a lenient BER walk (definite lengths only)."""
    i = 0
    while i + 2 <= len(b) and depth < 12:
        tag = b[i]; j = i + 1
        if tag & 0x1f == 0x1f:
            while j < len(b) and b[j] & 0x80: j += 1
            j += 1
        if j >= len(b): return
        l = b[j]; j += 1
        if l == 0x80: return
        if l & 0x80:
            n = l & 0x7f; l = int.from_bytes(b[j:j+n], 'big'); j += n
        if j + l > len(b): return
        v = b[j:j+l]
        yield b[i:j+l]
        if tag & 0x20: yield from tlvs(v, depth + 1)
        i = j + l


def shared_seeds():
    seeds = []
    hexdir = os.path.join(shared, 'vectors', 'hex')
    for fn in sorted(os.listdir(hexdir)):
        if not fn.endswith('.hex'): continue
        for line in open(os.path.join(hexdir, fn)):
            m = re.match(r'\s*([\w.-]+)\s*=\s*([0-9a-fA-F]+)\s*$', line)
            if not m: continue
            try: b = bytes.fromhex(m.group(2))
            except ValueError: continue
            seeds.append(b)
            if fuzzer == 'fuzz_ber':
                seeds.extend(t for t in tlvs(b))
            if fuzzer == 'fuzz_map':
                # One seed per selector: the decoder picks by the first octet.
                seeds.extend(bytes([sel]) + t for t in tlvs(b) if t[0] in (0x30, 0xa0, 0xa1, 0xa3, 0xa4)
                             for sel in range(14))
            if fuzzer == 'fuzz_tpdu':
                # sm-RP-UI is an OCTET STRING (04) holding the TPDU itself.
                seeds.extend(bytes([d]) + (t[2:] if t[1] < 0x80 else t[2 + (t[1] & 0x7f):])
                             for t in tlvs(b) if t[0] == 0x04 and len(t) > 12 for d in (0x0f, 0x00))
    return seeds


# ---- BER (X.690) ----

def length(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, value):
    return bytes(tag) + length(len(value)) + value


def ber_seeds():
    s = [
        tlv([0x02], b'\x05'), tlv([0x02], b'\x80'), tlv([0x02], b'\x00\x7f'), tlv([0x02], b'\x7f' + b'\xff' * 7),
        tlv([0x02], b'\x01' * 9), bytes.fromhex('0200'), tlv([0x01], b'\xff'), tlv([0x01], b'\x00\x00'),
        bytes.fromhex('0500'), bytes.fromhex('0501ff'), tlv([0x06], bytes.fromhex('04000001001302')),
        tlv([0x06], bytes.fromhex('8837')), tlv([0x06], bytes.fromhex('80')), tlv([0x06], bytes.fromhex('ffffffffffffffffff7f')),
        tlv([0x04], bytes.fromhex('91214365')),
        b'0.4.0.0.1.0.19.2', b'2.999.1', b'1.40', b'.'.join([b'1'] * 30), b'1.2.99999999999999',
    ]
    # Long-form lengths (§8.1.3.5): one to four length octets, non-minimal,
    # too many, reserved 0xff, truncated, and longer than the data.
    s += [tlv([0x04], b'\xaa' * n) for n in (127, 128, 255, 256, 1000)]
    s += [bytes.fromhex('0483000005') + b'\xbb' * 5, bytes.fromhex('048400000003') + b'\xcc' * 3,
          bytes.fromhex('04850000000001') + b'\x00', bytes.fromhex('04ff'), bytes.fromhex('048201'),
          bytes.fromhex('048110aabbcc'), bytes.fromhex('3082000a') + tlv([0x02], b'\x01') * 3 + b'\x05\x00']
    # Long-form tags (§8.1.2.4): numbers 31, 128, 2^21, 2^28-1, five octets,
    # a leading zero octet, truncated, and a small number in long form.
    s += [tlv([0x9f, 0x1f], b'\x01'), tlv([0xbf, 0x81, 0x00], tlv([0x02], b'\x05')),
          tlv([0x5f, 0x81, 0x80, 0x80, 0x00], b''), tlv([0xdf, 0xff, 0xff, 0xff, 0x7f], b'\x01'),
          bytes.fromhex('9f818080800100'), bytes.fromhex('9f800100'), bytes.fromhex('9f81'),
          tlv([0x1f, 0x1e], b'\x00'), bytes.fromhex('9f1f')]
    # Indefinite lengths (§8.1.3.6): nested, holding long forms, missing its
    # end-of-contents, on a primitive element, and a TCAP Begin in that form.
    s += [bytes.fromhex('30800201010000'), bytes.fromhex('a080308004 01aa 0000 0000'.replace(' ', '')),
          bytes.fromhex('3080') + tlv([0x9f, 0x1f], b'\xaa' * 200) + b'\x00\x00', bytes.fromhex('3080020101'),
          bytes.fromhex('04800000'), bytes.fromhex('3080'), bytes.fromhex('308000'),
          bytes.fromhex('62804804000000016b80280606070001010101a0800000000000')]
    # Nesting around the limit (kMaxDepth = 24), in both length forms.
    for depth in (23, 24, 25, 26, 40):
        s.append(b'\x30\x80' * depth + b'\x05\x00' + b'\x00\x00' * depth)
        v = b'\x05\x00'
        for _ in range(depth): v = tlv([0x30], v)
        s.append(v)
    return s


# ---- GSM 7-bit (TS 23.038) ----

DEFAULT = ('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
           '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')
EXTENSION = {0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~', 0x3e: ']',
             0x40: '|', 0x65: '€'}
assert len(DEFAULT) == 128


def septets(text):
    out = []
    for ch in text:
        if ch in EXTENSION.values():
            out += [0x1b, next(k for k, v in EXTENSION.items() if v == ch)]
        else:
            out.append(DEFAULT.index(ch))
    return out


def pack(sep, fill=0):
    bits = fill + 7 * len(sep)
    out = bytearray((bits + 7) // 8)
    bit = fill
    for v in sep:
        o, sh = divmod(bit, 8)
        out[o] |= (v << sh) & 0xff
        if sh > 1: out[o + 1] |= v >> (8 - sh)
        bit += 7
    return bytes(out)


def texts():
    ext = ''.join(EXTENSION.values())
    printable = DEFAULT.replace('\x1b', '')
    t = [ext, printable, 'Balance: 10 € {ok} [1|2] ~a^b\\c\f', 'x' * 7, 'y' * 15, 'abcdefg\r', 'é' * 8 + '\r',
         '€' * 91, '@' * 182, 'z' * 183]
    t += [ch * 3 for ch in EXTENSION.values()]
    return t


def gsm7_seeds():
    s = []
    ucs2_texts = ['Привет', 'Menü 😀', '日本語のテキスト', '\u20ac\u00a0']
    for t in texts():
        sep = septets(t)
        s.append(bytes([0]) + bytes(sep[:200]))           # septets -> text
        s.append(bytes([1]) + t.encode())                 # text -> septets, UCS2, USSD
        for fill in range(7):                             # packing after fill bits
            s.append(bytes([2 | fill << 2]) + bytes(sep[:60]))
        s.append(bytes([3, 0x0f]) + pack(sep)[:160])      # USSD-String under DCS 0x0F
    for t in ucs2_texts:
        s.append(bytes([1]) + t.encode())
        s.append(bytes([3, 0x48]) + t.encode('utf-16-be'))
    # Every ESC pair, known and unknown, ESC ESC and a lone ESC at the end.
    s.append(bytes([0]) + bytes(x for c in range(128) for x in (0x1b, c)))
    s.append(bytes([0]) + bytes(range(128)))
    s.append(bytes([0]) + b'\x41\x1b\x1b\x42\x1b')
    # Invalid UTF-8: overlong, a surrogate, above U+10FFFF, truncated.
    s += [bytes([1]) + bytes.fromhex(h) for h in ('c080', 'eda080', 'f4908080', 'e282', 'ff', '41e282ac42')]
    # Language-prefixed DCS 0x10 (GSM7 "en\r...") and 0x11 (two GSM7 letters, UCS2).
    s.append(bytes([3, 0x10]) + pack(septets('en\rHello {world}')))
    s.append(bytes([3, 0x11]) + pack(septets('de'))[:2] + 'Grüße'.encode('utf-16-be'))
    # Every DCS once with the same GSM7 text.
    body = pack(septets('*100# € [x]'))
    s += [bytes([3, dcs]) + body for dcs in range(256)]
    return s


def ussd_arg(dcs, string):
    return tlv([0x30], tlv([0x04], bytes([dcs])) + tlv([0x04], string))


def text_seeds():
    """USSD and SMS text under the GSM7 and UCS2 DCS: fuzz_tpdu (first octet
    = DCS) and fuzz_map (selector 0/1 = USSD-Arg/Res)."""
    s = []
    for t in texts():
        packed = pack(septets(t))[:160]
        if fuzzer == 'fuzz_tpdu': s.append(bytes([0x0f]) + packed)
        if fuzzer == 'fuzz_map': s += [bytes([sel]) + ussd_arg(0x0f, packed) for sel in (0, 1)]
    return s


SS7_TARGETS = {'fuzz_ber', 'fuzz_sccp', 'fuzz_tcap', 'fuzz_map', 'fuzz_tpdu'}

seeds = []
if fuzzer in SS7_TARGETS:
    if os.path.isfile(os.path.join(shared, 'vectors', 'README.md')):
        seeds += shared_seeds()
    else:
        print(f'fuzz_seeds: {shared}/vectors absent, {fuzzer} starts without the capture seeds')
kept = os.path.join(root, 'fuzz', 'seeds', fuzzer)
if os.path.isdir(kept):
    for fn in sorted(os.listdir(kept)):
        with open(os.path.join(kept, fn), 'rb') as f: seeds.append(f.read())
if fuzzer == 'fuzz_ber': seeds += ber_seeds()
if fuzzer == 'fuzz_gsm7': seeds += gsm7_seeds()
if fuzzer in ('fuzz_tpdu', 'fuzz_map'): seeds += text_seeds()
os.makedirs(out, exist_ok=True)
for b in seeds:
    with open(os.path.join(out, hashlib.sha1(b).hexdigest()), 'wb') as f: f.write(b)
