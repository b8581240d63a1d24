/**
 * D-Bus messages (specification, "Message Format"): a 12-byte fixed header,
 * the header fields a(yv), padding to 8, the body.
 */
import { DBusWireError, marshal, Reader, splitSignature, unmarshal, Writer, type DValue } from './marshal.ts';

export const MessageType = { MethodCall: 1, MethodReturn: 2, Error: 3, Signal: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const FLAG_NO_REPLY_EXPECTED = 0x1;

/** Header field codes. */
const F = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8, unixFds: 9 } as const;
const FIELD_SIG: Record<number, string> = { 1: 'o', 2: 's', 3: 's', 4: 's', 5: 'u', 6: 's', 7: 's', 8: 'g', 9: 'u' };

/** The most a message may be (spec: 2^27 bytes). */
export const MAX_MESSAGE = 128 * 1024 * 1024;

export interface Message {
  type: MessageType;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature: string;
  body: DValue[];
}

export function encodeMessage(m: Message): Buffer {
  const fields: DValue[] = [];
  const add = (code: number, v: string | number | undefined) => {
    if (v !== undefined && v !== '') fields.push([code, [FIELD_SIG[code], v]]);
  };
  add(F.path, m.path);
  add(F.interface, m.interface);
  add(F.member, m.member);
  add(F.errorName, m.errorName);
  add(F.replySerial, m.replySerial);
  add(F.destination, m.destination);
  add(F.sender, m.sender);
  add(F.signature, m.signature);
  const body = m.signature ? marshal(m.signature, m.body) : Buffer.alloc(0);
  const w = new Writer();
  w.write('y', 'l'.charCodeAt(0));
  w.write('y', m.type);
  w.write('y', m.flags);
  w.write('y', 1);
  w.write('u', body.length);
  w.write('u', m.serial);
  w.write('a(yv)', fields);
  w.align(8);
  return Buffer.concat([w.result(), body]);
}

/**
 * The total length of the message at the start of `buf`, or 0 when more
 * bytes are needed to know it.
 */
export function messageLength(buf: Buffer): number {
  if (buf.length < 16) return 0;
  const le = endianOf(buf);
  const bodyLen = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLen = le ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const headerEnd = 16 + fieldsLen;
  const total = headerEnd + ((8 - (headerEnd % 8)) % 8) + bodyLen;
  if (total > MAX_MESSAGE) throw new DBusWireError(`message of ${total} bytes is over the limit`);
  return total;
}

function endianOf(buf: Buffer): boolean {
  if (buf[0] === 0x6c) return true; // 'l'
  if (buf[0] === 0x42) return false; // 'B'
  throw new DBusWireError(`bad endianness byte 0x${buf[0].toString(16)}`);
}

export function decodeMessage(buf: Buffer): Message {
  const le = endianOf(buf);
  const r = new Reader(buf, le);
  r.read('y');
  const type = r.read('y') as MessageType;
  const flags = r.read('y') as number;
  const version = r.read('y') as number;
  if (version !== 1) throw new DBusWireError(`protocol version ${version}`);
  const bodyLen = r.read('u') as number;
  const serial = r.read('u') as number;
  const fields = r.read('a(yv)') as Array<[number, [string, DValue]]>;
  r.align(8);
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const [code, [sig, v]] of fields) {
    if (FIELD_SIG[code] !== undefined && FIELD_SIG[code] !== sig) throw new DBusWireError(`header field ${code} has type ${sig}`);
    switch (code) {
      case F.path: m.path = v as string; break;
      case F.interface: m.interface = v as string; break;
      case F.member: m.member = v as string; break;
      case F.errorName: m.errorName = v as string; break;
      case F.replySerial: m.replySerial = v as number; break;
      case F.destination: m.destination = v as string; break;
      case F.sender: m.sender = v as string; break;
      case F.signature: m.signature = v as string; break;
      default: break; // unknown fields are ignored (spec)
    }
  }
  if (r.pos + bodyLen !== buf.length) throw new DBusWireError('body length does not match the message');
  if (m.signature) {
    splitSignature(m.signature);
    m.body = unmarshal(m.signature, buf, le, r.pos, r.pos + bodyLen);
  } else if (bodyLen) throw new DBusWireError('a body without a signature');
  return m;
}
