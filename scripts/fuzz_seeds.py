#!/usr/bin/env python3
"""Writes fuzzer seeds from the shared hex vectors (read in place, written only
into the build tree). Each `name = hex` line becomes one seed; the TCAP-level
fuzzers also get every BER TLV nested in the message, so the MAP and TPDU
decoders start from real parameters."""
import os, re, sys, hashlib

src, out, fuzzer = sys.argv[1:4]

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

seeds = []
for fn in sorted(os.listdir(src)):
    if not fn.endswith('.hex'): continue
    for line in open(os.path.join(src, fn)):
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
for b in seeds:
    with open(os.path.join(out, hashlib.sha1(b).hexdigest()), 'wb') as f: f.write(b)
