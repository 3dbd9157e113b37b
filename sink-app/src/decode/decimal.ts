// Exact decimal arithmetic on (unscaled bigint, scale) pairs: no floating point ever touches
// a meter reading.

import { flatText } from "./flat-text.js";

export interface ScaledDecimal {
  unscaled: bigint;
  /** digits after the decimal point; may be negative (value = unscaled * 10^-scale) */
  scale: number;
}

/** Kafka Connect Decimal: big-endian two's-complement bytes of the unscaled value. */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if ((bytes[0]! & 0x80) !== 0) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decode org.apache.kafka.connect.data.Decimal (base64 text in JSON) with the schema's scale. */
export function decimalFromBase64(text: string, scale: number): ScaledDecimal {
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    throw new Error(`not base64-encoded decimal bytes: ${JSON.stringify(text)}`);
  }
  return { unscaled: unscaledFromBytes(Buffer.from(text, "base64")), scale };
}

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parse "123.450", "-0.5", "1E-7", "12" (decimal.handling.mode=string, or a double's text). */
export function parseDecimal(text: string): ScaledDecimal {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) {
    throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  }
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  let unscaled = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, "") || "0");
  if (m[1] === "-") unscaled = -unscaled;
  return { unscaled, scale: fracPart.length - exponent };
}

/** A JS number (decimal.handling.mode=double) as the shortest decimal that round-trips. */
export function decimalFromNumber(value: number): ScaledDecimal {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return parseDecimal(String(value));
}

export function formatDecimal(d: ScaledDecimal): string {
  const negative = d.unscaled < 0n;
  let digits = (negative ? -d.unscaled : d.unscaled).toString();
  if (d.scale > 0) {
    digits = digits.padStart(d.scale + 1, "0");
    digits = flatText([digits.slice(0, -d.scale), ".", digits.slice(-d.scale)]);
  } else if (d.scale < 0 && d.unscaled !== 0n) {
    digits = digits + "0".repeat(-d.scale);
  }
  return negative && d.unscaled !== 0n ? flatText(["-", digits]) : digits;
}

/** Round half away from zero to `scale` digits (what SQL Server and PostgreSQL do on cast). */
export function rescale(d: ScaledDecimal, scale: number): ScaledDecimal {
  if (d.scale === scale) return d;
  if (d.scale < scale) return { unscaled: d.unscaled * 10n ** BigInt(scale - d.scale), scale };
  const divisor = 10n ** BigInt(d.scale - scale);
  const negative = d.unscaled < 0n;
  const abs = negative ? -d.unscaled : d.unscaled;
  let q = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) q += 1n;
  return { unscaled: negative ? -q : q, scale };
}

/** Number of digits left of the decimal point (0 for |d| < 1). */
export function integerDigits(d: ScaledDecimal): number {
  const abs = d.unscaled < 0n ? -d.unscaled : d.unscaled;
  const whole = d.scale >= 0 ? abs / 10n ** BigInt(d.scale) : abs * 10n ** BigInt(-d.scale);
  return whole === 0n ? 0 : whole.toString().length;
}
