// PEM armour as Go's encoding/pem reads and writes it: nebula keeps certificates
// and keys in PEM files, several CA certificates back to back in one file
// (docs/PROTOCOL.md "Certificate PEM blocks"). Deciding whether a config value is inline PEM or a
// path is the caller's job (values containing "-----BEGIN" are PEM).
import { CertError } from './errors.js';

/** One PEM block: its banner type and decoded body. */
export interface PemBlock {
  /** Banner, e.g. "NEBULA CERTIFICATE". */
  readonly type: string;
  /** Decoded body bytes. */
  readonly bytes: Uint8Array;
}

const BEGIN = /^-----BEGIN (.+)-----$/;
const END = /^-----END (.+)-----$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Go's pem.Encode wraps the base64 body at 64 characters.
const LINE_LEN = 64;

/**
 * All PEM blocks of `input`, in order. Text before or between blocks is ignored
 * (as pem.Decode skips it); non-blank text after the last block, a block without
 * its END line, a mismatched END or bad base64 is CertError 'bad-pem', and so is input without any block.
 */
export function decodePem(input: string | Uint8Array): PemBlock[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  // getLine in encoding/pem strips trailing spaces, tabs and CR.
  const lines = text.split('\n').map((l) => l.replace(/[ \t\r]+$/, ''));
  const blocks: PemBlock[] = [];
  let trailing = false;
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!);
    if (begin === null) {
      if (lines[i]!.trim() !== '') trailing = true;
      continue;
    }
    trailing = false;
    const type = begin[1]!;
    const body: string[] = [];
    let inHeaders = true;
    let closed = false;
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      const end = END.exec(line);
      if (end !== null) {
        if (end[1] !== type) throw new CertError('bad-pem', `PEM block "${type}" closed by END "${end[1]}"`);
        closed = true;
        break;
      }
      // RFC 1421 headers (Proc-Type: ...) precede the body; pem.Decode parses and skips them.
      if (inHeaders && line.includes(':')) continue;
      inHeaders = false;
      body.push(line.replace(/[ \t]/g, ''));
    }
    if (!closed) throw new CertError('bad-pem', `PEM block "${type}" has no END line`);
    blocks.push({ type, bytes: decodeBase64(body.join(''), type) });
  }
  if (blocks.length === 0) throw new CertError('bad-pem', 'input contains no PEM block');
  if (trailing) throw new CertError('bad-pem', 'non-PEM text after the last PEM block');
  return blocks;
}

/** The PEM armour of `bytes` under banner `type`, byte for byte as Go's pem.EncodeToMemory writes it. */
export function encodePem(type: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  let out = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < b64.length; i += LINE_LEN) out += `${b64.slice(i, i + LINE_LEN)}\n`;
  return `${out}-----END ${type}-----\n`;
}

function decodeBase64(b64: string, type: string): Uint8Array {
  // Buffer.from(.., 'base64') silently skips bad characters; Go's StdEncoding refuses them.
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) {
    throw new CertError('bad-pem', `PEM block "${type}" body is not valid base64`);
  }
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
