// Zone-less wall-clock times (MySQL DATETIME, SQL Server DATETIME2, Oracle DATE) read in a
// configured zone follow java.time's ZonedDateTime.ofLocal(local, zone, null). The expected
// instants below are what that method returns (Temurin 25, printed by a one-off Java program).
import { describe, expect, it } from "vitest";
import { formatInstantUtc, isKnownTimeZone, localDateTimeToInstant } from "../../../../sink-app/src/decode/time.js";

const at = (local: string, zone: string) => formatInstantUtc(localDateTimeToInstant(local, zone));

describe("java.time rule: a wall-clock time outside any transition has its one valid offset", () => {
  it("reads summer and winter times with their own offsets", () => {
    expect(at("2024-07-01T12:00:00.5", "Europe/Berlin")).toBe("2024-07-01T10:00:00.500000Z");
    expect(at("2024-01-15T12:00:00", "Europe/Berlin")).toBe("2024-01-15T11:00:00.000000Z");
  });

  it("reads the last instant before the spring-forward gap with the winter offset", () => {
    expect(at("2024-03-31T01:59:59.999", "Europe/Berlin")).toBe("2024-03-31T00:59:59.999000Z");
    expect(at("2024-03-10T01:59:59.999", "America/New_York")).toBe("2024-03-10T06:59:59.999000Z");
  });

  it("reads the last instant before the autumn overlap with the summer offset", () => {
    expect(at("2024-10-27T01:59:59.999", "Europe/Berlin")).toBe("2024-10-26T23:59:59.999000Z");
  });

  it("reads the first instants after a transition with the new offset", () => {
    expect(at("2024-03-31T03:00:00", "Europe/Berlin")).toBe("2024-03-31T01:00:00.000000Z");
    expect(at("2024-10-27T03:00:00", "Europe/Berlin")).toBe("2024-10-27T02:00:00.000000Z");
    expect(at("2024-11-03T02:00:00", "America/New_York")).toBe("2024-11-03T07:00:00.000000Z");
  });
});

describe("java.time rule: a wall-clock time in a gap is shifted forward by the gap's length", () => {
  it("moves 02:00 and 02:30 of a one-hour gap to 03:00 and 03:30 summer time", () => {
    expect(at("2024-03-31T02:00:00", "Europe/Berlin")).toBe("2024-03-31T01:00:00.000000Z");
    expect(at("2024-03-31T02:30:00.250", "Europe/Berlin")).toBe("2024-03-31T01:30:00.250000Z");
    expect(at("2024-03-10T02:30:00", "America/New_York")).toBe("2024-03-10T07:30:00.000000Z");
  });

  it("moves a time in a half-hour gap forward by half an hour (Lord Howe Island)", () => {
    expect(at("2024-10-06T02:15:00", "Australia/Lord_Howe")).toBe("2024-10-05T15:45:00.000000Z");
  });
});

describe("java.time rule: a wall-clock time in an overlap takes the earlier offset", () => {
  it("reads 02:00 and 02:30 of the autumn overlap as the first (summer-time) occurrence", () => {
    expect(at("2024-10-27T02:00:00", "Europe/Berlin")).toBe("2024-10-27T00:00:00.000000Z");
    expect(at("2024-10-27T02:30:00.500", "Europe/Berlin")).toBe("2024-10-27T00:30:00.500000Z");
    expect(at("2024-11-03T01:30:00", "America/New_York")).toBe("2024-11-03T05:30:00.000000Z");
  });

  it("does so for a half-hour overlap too (Lord Howe Island)", () => {
    expect(at("2024-04-07T01:45:00", "Australia/Lord_Howe")).toBe("2024-04-06T14:45:00.000000Z");
  });
});

describe("isKnownTimeZone", () => {
  it("knows canonical IANA names, UTC and the aliases ICU resolves, and nothing else", () => {
    for (const zone of ["UTC", "Europe/Berlin", "America/New_York", "Etc/UTC", "US/Eastern", "Asia/Kolkata"]) expect(isKnownTimeZone(zone), zone).toBe(true);
    for (const zone of ["Mars/Olympus", "Europe/Berln", "utc+1", ""]) expect(isKnownTimeZone(zone), zone).toBe(false);
  });
});
