// SECURITY.md: "[our GCM] checks the tag in constant time before it decrypts,
// so a refused packet's bytes are left as they came." Checked here for every
// native path and both ciphers, through BatchAead (what the data path calls),
// for a batch of one (the control-message path: AeadBatch(1)) and for one bad
// packet among authentic ones (the batched data path), in place and, for the
// source, out of place.
//
// The OpenSSL paths (EVP, provider) decrypt before the tag check fails, so a
// refused packet's ciphertext is overwritten in place (native/aead.c documents
// the bytes as unspecified). That covers ChaCha20-Poly1305 always and
// AES-256-GCM under TIO_AEAD_IMPL=openssl|evp or without VAES. The node drops
// a refused packet's buffer, so nothing reads those bytes today, and
// SECURITY.md claims the guarantee only for tio's own AES-GCM. Holding OpenSSL
// to it (restoring the bytes on a failed tag) is open work for the move to
// OpenSSL-only AEAD.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AeadBatch, BatchAead, type CipherName } from '../../../src/tunnel/aead/index.js';
import { AEAD_PATH, nativeAvailable, type AeadPath } from '../../../src/native.js';
import { HDR, TAG, hex, layout, type PacketSpec } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

/** Read from /proc/cpuinfo, not from the code under test: the flags native/gcm.c needs. */
function cpuHasVaes(): boolean {
  const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
  return ['avx512f', 'avx512bw', 'avx512vl', 'vaes', 'vpclmulqdq', 'aes', 'pclmulqdq'].every((f) => flags.includes(f));
}
const vaesSkip = skip ?? (cpuHasVaes() ? undefined : 'CPU lacks VAES/VPCLMULQDQ/AVX-512: the path cannot run here');

/** Plaintext lengths across the GCM code's block and stride edges. */
const LENS = [0, 1, 15, 16, 17, 63, 64, 65, 255, 256, 1300, 2100, 9000];
/** Where the single flipped bit goes. */
const REGIONS = ['header', 'ciphertext', 'tag'] as const;

function specs(n: number, len: number, seed: number): PacketSpec[] {
  return Array.from({ length: n }, (_, i) => ({ len: i === 0 ? len : 100 + 37 * i, counter: BigInt(3 + i), index: 0x01020304, gap: i % 3, seed: seed + i }));
}

/**
 * Seals `n` packets, flips one bit of packet `victim` in `region`, opens the
 * batch in place on `path`, and returns what changed: whether the victim's
 * bytes are as they came, and whether the others opened to their plaintext.
 */
function openWithOneBad(cipher: CipherName, path: AeadPath, n: number, victim: number, len: number, region: (typeof REGIONS)[number]): { victimKept: boolean; othersOpened: boolean; detail: string } {
  const key = new Uint8Array(32).fill(7);
  const sp = specs(n, len, 11);
  // Packet 0 has the length under test; move it to the victim's place.
  [sp[0], sp[victim]] = [sp[victim]!, sp[0]!];
  const l = layout(sp);
  const seal = new BatchAead(cipher, key, 'seal', path);
  const sb = new AeadBatch(n).reset(l.buf);
  sp.forEach((p, i) => sb.add(l.offs[i]!, p.len));
  assert.equal(seal.seal(sb), n);
  seal.close();
  const v = sp[victim]!;
  const at = l.offs[victim]!;
  const r = region === 'ciphertext' && v.len === 0 ? 'tag' : region;
  const start = at + (r === 'header' ? 0 : r === 'ciphertext' ? HDR : HDR + v.len);
  const size = r === 'header' ? HDR : r === 'ciphertext' ? v.len : TAG;
  l.buf[start + ((len * 7) % size)]! ^= 1 << (len % 8);
  const before = l.buf.slice(at, at + HDR + v.len + TAG);
  const open = new BatchAead(cipher, key, 'open', path);
  const ob = new AeadBatch(n).reset(l.buf);
  sp.forEach((p, i) => ob.add(l.offs[i]!, HDR + p.len + TAG));
  const ok = open.open(ob);
  open.close();
  assert.equal(ok, n - 1, 'only the tampered packet is refused');
  assert.equal(ob.out[victim], -1);
  const after = l.buf.subarray(at, at + HDR + v.len + TAG);
  const othersOpened = sp.every((p, i) => i === victim
    || (ob.out[i] === p.len && hex(l.buf.subarray(l.offs[i]! + HDR, l.offs[i]! + HDR + p.len)) === hex(l.plains[i]!)));
  return { victimKept: hex(after) === hex(before), othersOpened, detail: `${cipher} path ${path} n ${n} victim ${victim} len ${len} ${r}` };
}

/** Every (batch size, victim, length, region) case: a batch of one and a bad packet first, mid and last in a batch of 5. */
function cases(): [number, number, number, (typeof REGIONS)[number]][] {
  const out: [number, number, number, (typeof REGIONS)[number]][] = [];
  for (const len of LENS) {
    for (const region of REGIONS) {
      out.push([1, 0, len, region]);
      for (const victim of [0, 2, 4]) out.push([5, victim, len, region]);
    }
  }
  return out;
}

test('our VAES AES-256-GCM leaves a refused packet\'s bytes as they came, alone or among authentic packets in a batch', { skip: vaesSkip }, () => {
  for (const [n, victim, len, region] of cases()) {
    const r = openWithOneBad('aes', AEAD_PATH.vaes, n, victim, len, region);
    assert.ok(r.victimKept, `${r.detail}: a refused packet's bytes changed`);
    assert.ok(r.othersOpened, `${r.detail}: the authentic packets of the batch did not open`);
  }
});

test('open-to-another-buffer leaves every source packet as it came, refused or not, on every path and cipher', { skip }, () => {
  const paths: [CipherName, AeadPath][] = [['aes', AEAD_PATH.evp], ['aes', AEAD_PATH.provider], ['chachapoly', AEAD_PATH.evp], ['chachapoly', AEAD_PATH.provider]];
  if (!vaesSkip) paths.push(['aes', AEAD_PATH.vaes]);
  for (const [cipher, path] of paths) {
    const key = new Uint8Array(32).fill(5);
    const sp = specs(4, 1300, 3);
    const l = layout(sp);
    const sb = new AeadBatch(4).reset(l.buf);
    sp.forEach((p, i) => sb.add(l.offs[i]!, p.len));
    new BatchAead(cipher, key, 'seal', path).seal(sb);
    l.buf[l.offs[1]! + HDR + 5]! ^= 0x10;
    const src = l.buf.slice();
    const dst = new Uint8Array(l.buf.length);
    const ob = new AeadBatch(4).reset(dst, src);
    sp.forEach((p, i) => ob.addFrom(l.offs[i]!, HDR + p.len + TAG, l.offs[i]!));
    assert.equal(new BatchAead(cipher, key, 'open', path).open(ob), 3, `${cipher} path ${path}`);
    assert.equal(ob.out[1], -1);
    assert.equal(hex(src), hex(l.buf), `${cipher} path ${path}: the source buffer changed`);
  }
});

