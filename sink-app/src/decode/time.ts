// Debezium's temporal encodings turned into ISO text without losing sub-millisecond digits.
//
// Zone-less values (DATE, TIME, TIMESTAMP/DATETIME) are wall-clock readings: Debezium encodes
// them as if the wall clock were UTC, so they are formatted as UTC fields and carry no zone.

import { flatText } from "./flat-text.js";

const MS_PER_DAY = 86_400_000;

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, "0");
}

function toBigInt(value: number | bigint, what: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isInteger(value)) throw new Error(`${what} must be an integer, got ${value}`);
  return BigInt(value);
}

/** Floor division and non-negative remainder for bigint. */
function floorDivMod(a: bigint, b: bigint): [bigint, bigint] {
  let q = a / b;
  let r = a % b;
  if (r < 0n) {
    q -= 1n;
    r += b;
  }
  return [q, r];
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years whose ISO form has four digits. */
const MIN_FAST_MS = -62_167_219_200_000;
const MAX_FAST_MS = 253_402_300_800_000;

/** "00" to "99": date and time fields are written from these instead of padded per call. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));

/**
 * UTC date and time of day of epoch milliseconds, as Date.toISOString writes them. Arithmetic
 * (Howard Hinnant's days-to-civil) for years 0000-9999: this runs for several columns of every
 * event, and Date.toISOString was the sink-app's most expensive date code (a Date object and a
 * call into the runtime each time). Other years take toISOString's extended form (+010000-...).
 */
function dateTimeFromEpochMs(ms: number): { date: string; time: string } {
  if (!Number.isInteger(ms) || ms < MIN_FAST_MS || ms >= MAX_FAST_MS) return dateTimeFromDate(ms);
  const days = Math.floor(ms / MS_PER_DAY);
  const secondOfDay = Math.floor((ms - days * MS_PER_DAY) / 1000);
  const z = days + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(secondOfDay / 3600);
  const minutes = Math.floor(secondOfDay / 60) % 60;
  return {
    date: `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`,
    time: `${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[secondOfDay % 60]}`,
  };
}

function dateTimeFromDate(ms: number): { date: string; time: string } {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new Error(`timestamp out of range: ${ms}`);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (or ±YYYYYY-... outside 0000-9999)
  const t = iso.indexOf("T");
  return { date: iso.slice(0, t), time: iso.slice(t + 1, t + 9) };
}

/** io.debezium.time.Date / org.apache.kafka.connect.data.Date: days since 1970-01-01. */
export function dateFromEpochDays(days: number | bigint): string {
  return dateTimeFromEpochMs(Number(toBigInt(days, "epoch days")) * MS_PER_DAY).date;
}

export type TimeUnit = "ms" | "us" | "ns";
const PER_SECOND: Record<TimeUnit, bigint> = { ms: 1_000n, us: 1_000_000n, ns: 1_000_000_000n };
const FRACTION_DIGITS: Record<TimeUnit, number> = { ms: 3, us: 6, ns: 9 };

/** io.debezium.time.Time/MicroTime/NanoTime: time past midnight -> "HH:MM:SS.fff[fff[fff]]". */
export function timeOfDay(value: number | bigint, unit: TimeUnit): string {
  const [seconds, fraction] = floorDivMod(toBigInt(value, "time of day"), PER_SECOND[unit]);
  const s = Number(seconds);
  return flatText([pad(Math.floor(s / 3600) % 24, 2), ":", pad(Math.floor(s / 60) % 60, 2), ":", pad(s % 60, 2), ".", pad(fraction, FRACTION_DIGITS[unit])]);
}

/**
 * io.debezium.time.Timestamp/MicroTimestamp/NanoTimestamp and connect Timestamp: a wall-clock
 * date-time without zone -> "YYYY-MM-DDTHH:MM:SS.fff[fff[fff]]".
 */
export function localDateTimeFromEpoch(value: number | bigint, unit: TimeUnit): string {
  const [seconds, fraction] = floorDivMod(toBigInt(value, "timestamp"), PER_SECOND[unit]);
  const { date, time } = dateTimeFromEpochMs(Number(seconds) * 1000);
  return flatText([date, "T", time, ".", pad(fraction, FRACTION_DIGITS[unit])]);
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const ZONED_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;

export interface Instant {
  /** whole seconds since the epoch */
  epochSeconds: number;
  /** fraction of the second as decimal digits (0-9 of them) */
  fraction: string;
}

/** Render an instant as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (microseconds, what both targets store). */
export function formatInstantUtc(instant: Instant): string {
  const { date, time } = dateTimeFromEpochMs(instant.epochSeconds * 1000);
  return flatText([date, "T", time, ".", instant.fraction.padEnd(6, "0").slice(0, 6), "Z"]);
}

/** io.debezium.time.ZonedTimestamp text ("2024-03-01T10:15:30.123456+01:00" or "...Z") -> instant. */
export function parseZonedDateTime(text: string): Instant {
  const m = ZONED_DATE_TIME.exec(text.trim());
  if (!m) throw new Error(`not an ISO-8601 date-time with offset: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)) / 1000;
  let offsetSeconds = 0;
  if (zone!.toUpperCase() !== "Z") {
    const sign = zone!.startsWith("-") ? -1 : 1;
    const digits = zone!.slice(1).replace(":", "");
    offsetSeconds = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || "0") * 60);
  }
  return { epochSeconds: local - offsetSeconds, fraction: frac ?? "" };
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetSeconds(timeZone: string, epochSeconds: number): number {
  let fmt = offsetFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    offsetFormatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(epochSeconds * 1000))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000;
  return asUtc - epochSeconds;
}

let canonicalZones: Set<string> | undefined;

/** True when the IANA zone name is known to this runtime (validated at config load). */
export function isKnownTimeZone(timeZone: string): boolean {
  // The list of canonical names first: a date formatter for the zone loads ~5-7 MiB of ICU data
  // that stays resident, a cost only zones a mapping really converts in should have to pay.
  canonicalZones ??= new Set(["UTC", ...Intl.supportedValuesOf("timeZone")]);
  if (canonicalZones.has(timeZone)) return true;
  // aliases (Etc/UTC, US/Eastern, Asia/Kolkata where ICU's canonical name is Asia/Calcutta)
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Seconds either side of a wall-clock time within which at most one offset transition is assumed. */
const TRANSITION_WINDOW = 86_400;

/**
 * A wall-clock "YYYY-MM-DDTHH:MM:SS[.f]" read in `timeZone` -> instant, by java.time's
 * ZonedDateTime.ofLocal(local, zone, null) rules (what Debezium and JDBC drivers use):
 * - normal: the one offset valid for that wall-clock time;
 * - gap (spring forward, the wall-clock time does not exist): shifted forward by the gap's
 *   length, i.e. read with the offset from before the transition (02:30 in a 1 h gap = 03:30);
 * - overlap (autumn, the wall-clock time occurs twice): the earlier offset, i.e. the first of
 *   the two instants.
 * Both special cases therefore use the offset in force before the transition.
 */
export function localDateTimeToInstant(text: string, timeZone: string): Instant {
  const m = LOCAL_DATE_TIME.exec(text.trim());
  if (!m) throw new Error(`not an ISO-8601 local date-time: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)) / 1000;
  const fraction = frac ?? "";
  if (timeZone === "UTC") return { epochSeconds: wall, fraction };
  const before = zoneOffsetSeconds(timeZone, wall - TRANSITION_WINDOW);
  const after = zoneOffsetSeconds(timeZone, wall + TRANSITION_WINDOW);
  const valid = (offset: number) => zoneOffsetSeconds(timeZone, wall - offset) === offset;
  // overlap (both valid) and gap (neither valid): the offset before the transition
  const offset = before !== after && !valid(before) && valid(after) ? after : before;
  return { epochSeconds: wall - offset, fraction };
}

/** The calendar date of an instant as seen in `timeZone`. */
export function dateOfInstant(instant: Instant, timeZone: string): string {
  const offset = timeZone === "UTC" ? 0 : zoneOffsetSeconds(timeZone, instant.epochSeconds);
  return dateTimeFromEpochMs((instant.epochSeconds + offset) * 1000).date;
}

/** Epoch milliseconds -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (Debezium source.ts_ms), as Date.toISOString writes it. */
export function isoFromEpochMs(ms: number): string {
  const whole = Math.trunc(ms); // what a Date keeps of a fractional millisecond
  const { date, time } = dateTimeFromEpochMs(whole);
  const millis = whole - Math.floor(whole / 1000) * 1000;
  return flatText([date, "T", time, ".", millis < 100 ? (millis < 10 ? "00" : "0") : "", String(millis), "Z"]);
}
