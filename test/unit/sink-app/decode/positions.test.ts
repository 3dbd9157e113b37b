import { describe, expect, it } from "vitest";
import { decodeRecord } from "../../../../sink-app/src/decode/envelope.js";
import { binlogPosition, oraclePosition, postgresPosition, sourcePosition, sqlServerPosition } from "../../../../sink-app/src/decode/positions.js";
import { fixtureRecord } from "../fixtures.js";

/** Plain code-unit order, as the C / BIN2 collations of the targets compare. */
function sortedBinary(values: string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function expectCommitOrder(positionsInCommitOrder: string[]): void {
  expect(sortedBinary(positionsInCommitOrder)).toEqual(positionsInCommitOrder);
  expect(new Set(positionsInCommitOrder).size).toBe(positionsInCommitOrder.length);
}

describe("source_position sorts in commit order", () => {
  it("PostgreSQL: by previous commit LSN, then change LSN, across digit-count boundaries", () => {
    const seq = (lastCommit: string | null, lsn: string) => ({ connector: "postgresql", lsn: Number(lsn), sequence: JSON.stringify([lastCommit, lsn]) });
    expectCommitOrder(
      [
        seq(null, "999"), // snapshot row
        seq("999", "1000"),
        seq("999", "1008"),
        // a transaction that began earlier (lower change LSN) but committed later
        seq("1200", "1100"),
        seq("1200", "1150"),
        seq("99999999999", "100000000000"),
        seq("18446744073709551000", "18446744073709551615"),
      ].map(postgresPosition),
    );
  });

  it("MySQL/MariaDB: by binlog file number, position, row - also past file .999999", () => {
    const at = (file: string, pos: number, row = 0) => binlogPosition({ connector: "mysql", file, pos, row });
    expectCommitOrder([
      at("mysql-bin.000003", 157),
      at("mysql-bin.000003", 2314),
      at("mysql-bin.000003", 2314, 1),
      at("mysql-bin.000003", 10_000_000),
      at("mysql-bin.000004", 4),
      at("mysql-bin.999999", 4),
      at("mysql-bin.1000000", 4),
    ]);
  });

  it("SQL Server: by commit LSN, change LSN and event serial number; snapshot rows first", () => {
    const at = (commit: string, change: string | null, serial: number | null) =>
      sqlServerPosition({ connector: "sqlserver", commit_lsn: commit, change_lsn: change, event_serial_no: serial });
    expectCommitOrder([
      at("0000002b:00000c10:0001", null, null),
      at("0000002c:00000b28:0005", "0000002c:00000b28:0004", 1),
      at("0000002c:00000b28:0005", "0000002c:00000b28:0004", 2),
      at("0000002c:00000b28:0005", "0000002c:00000b28:0004", 10),
      at("0000002d:00000310:0003", "0000002d:00000310:0002", 2),
      at("000000A0:00000001:0001", "000000a0:00000001:0000", 1),
    ]);
  });

  it("Oracle: by commit SCN, change SCN, redo record and SQL sequence; snapshot SCN first", () => {
    const at = (commit: string | null, scn: string, rsId: string | null, ssn: number) =>
      oraclePosition({ connector: "oracle", commit_scn: commit, scn, rs_id: rsId, ssn });
    expectCommitOrder([
      at(null, "2122100", null, 0),
      at("2122188", "2122185", " 0x0000a1.0002f4c1.0010 ", 0),
      at("2122188", "2122185", " 0x0000a1.0002f4c1.0010 ", 1),
      at("2122188", "2122186", " 0x0000a1.0002f4c2.0010 ", 0),
      // a transaction that started earlier commits later: the commit SCN decides
      at("2125549", "2121000", " 0x0000a0.00000001.0010 ", 0),
      at("99999999999", "99999999990", "001234.00012345.0124", 0),
      at("100000000000", "99999999999", "001234.00012346.0124", 0),
    ]);
  });

  it("fixtures of each connector carry the position their source block implies", () => {
    const position = (path: string) => {
      const e = decodeRecord(fixtureRecord(path));
      return e.type === "tombstone" ? null : e.position;
    };
    expect(position("postgres/snapshot-read.json")).toBe("00000000000024023128/00000000000024023128");
    expect(position("postgres/update.json")).toBe("00000000000024025512/00000000000024025600");
    expect(position("mysql/update.json")).toBe("0000000003/00000000000000004805/0000000000");
    expect(position("mssql/snapshot-read.json")).toBe("0000002b:00000c10:0001/00000000:00000000:0000/0000000000");
    expect(position("mssql/update.json")).toBe("0000002d:00000310:0003/0000002d:00000310:0002/0000000002");
    expect(position("oracle/snapshot-read.json")).toBe("00000000000002122100/00000000000002122100/0000000000.0000000000.00000/0000000000");
    expect(position("oracle/create.json")).toBe("00000000000002122188/00000000000002122185/0000000161.0000193729.00016/0000000000");
    // per source, snapshot < create < update < delete
    for (const source of ["postgres", "mysql", "mssql", "oracle"]) {
      expectCommitOrder(["snapshot-read", "create", "update", "delete"].map((n) => position(`${source}/${n}.json`)!));
    }
  });

  it("rejects source blocks it cannot order", () => {
    expect(() => sourcePosition({ connector: "db2" })).toThrow(/unsupported source.connector "db2"/);
    expect(() => binlogPosition({ file: "mysql-bin", pos: 4 })).toThrow(/numeric binlog suffix/);
    expect(() => postgresPosition({ lsn: -5 })).toThrow(/non-negative integer/);
    expect(() => oraclePosition({ commit_scn: "1" })).toThrow(/scn is missing/);
  });
});
