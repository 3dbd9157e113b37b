import nodeSqlParser from "node-sql-parser";
import { describe, expect, it } from "vitest";
import { mssqlCreateTable, mssqlStatementFor, mssqlUpsert } from "../../../../sink-app/src/meter-master/mssql-sql.js";
import type { WriteStep } from "../../../../sink-app/src/meter-master/plan.js";
import { collapseByKey, planWrite } from "../../../../sink-app/src/meter-master/plan.js";
import { pgArrayLiteral, pgCreateTable, pgStatementFor, pgUpsert } from "../../../../sink-app/src/meter-master/postgres-sql.js";
import type { MeterMasterChange, MeterMasterRow, RowChange } from "../../../../sink-app/src/meter-master/row.js";

function row(key: string, position: string, over: Partial<MeterMasterRow> = {}): MeterMasterRow {
  return {
    source_system: "mysql",
    source_key: key,
    meter_id: "M-1001",
    meter_type: "ELECTRIC",
    status: "active",
    customer_ref: "AC-551200",
    location: "350 5th Ave, New York",
    installed_at: "2019-06-03",
    last_reading: "91234.5600",
    last_reading_at: "2024-11-05T14:45:10.250000Z",
    attributes: { notes: "replaced CT in 2022" },
    is_deleted: false,
    source_op: "u",
    source_ts: "2024-11-05T14:45:10.000Z",
    source_position: position,
    ...over,
  };
}
const upsert = (key: string, position: string, over: Partial<MeterMasterRow> = {}): RowChange => ({ kind: "upsert", row: row(key, position, over) });
const del = (key: string, position: string, hasValues: boolean): RowChange => ({
  kind: "delete",
  hasValues,
  row: row(key, position, { is_deleted: true, source_op: "d", ...(hasValues ? {} : { meter_id: null }) }),
});

describe("collapsing a batch per key", () => {
  it("keeps the change with the highest position per key, whatever the arrival order", () => {
    const collapsed = collapseByKey([upsert("A", "0002"), upsert("B", "0001"), upsert("A", "0003", { status: "inactive" }), upsert("A", "0001")]);
    expect(collapsed.map((c) => [c.row.source_key, c.row.source_position])).toEqual([
      ["A", "0003"],
      ["B", "0001"],
    ]);
    expect(collapsed[0]!.row.status).toBe("inactive");
  });

  it("lets the later record win between equal positions", () => {
    const collapsed = collapseByKey([upsert("A", "0005", { status: "first" }), upsert("A", "0005", { status: "second" })]);
    expect(collapsed).toHaveLength(1);
    expect(collapsed[0]!.row.status).toBe("second");
  });

  it("treats the same key of two source systems as two keys", () => {
    expect(collapseByKey([upsert("1", "0001"), { kind: "upsert", row: { ...row("1", "0001"), source_system: "postgres" } }])).toHaveLength(2);
  });
});

describe("planning the write steps of a batch", () => {
  it("soft mode: upserts in one step, then every delete flags its key (a delete keeps the stored columns)", () => {
    const steps = planWrite([upsert("A", "0001"), del("A", "0002", true), del("B", "0003", false), upsert("C", "0004")], "soft");
    expect(steps.map((s) => s.kind)).toEqual(["upsert", "mark-deleted"]);
    const [up, mark] = steps as [Extract<WriteStep, { kind: "upsert" }>, Extract<WriteStep, { kind: "mark-deleted" }>];
    // A's upsert is written before its delete flags it, so the deleted row holds A's last values
    expect(up.rows.map((r) => [r.source_key, r.source_position, r.is_deleted])).toEqual([
      ["A", "0001", false],
      ["C", "0004", false],
    ]);
    expect(up.guardTombstones).toBe(false);
    expect(mark.rows.map((r) => [r.source_key, r.source_position])).toEqual([
      ["A", "0002"],
      ["B", "0003"],
    ]);
  });

  it("fills the columns an update left unchanged from an earlier change of the same key in the batch", () => {
    const later = upsert("A", "0002", { location: null, status: "inactive", attributes: {}, unchanged: { columns: ["location"], attributes: ["notes"] } });
    const [collapsed] = collapseByKey([upsert("A", "0001", { location: "1 Old Road" }), later]);
    expect(collapsed!.row).toMatchObject({ source_position: "0002", status: "inactive", location: "1 Old Road", attributes: { notes: "replaced CT in 2022" } });
    expect(collapsed!.row.unchanged).toBeUndefined();
  });

  it("keeps a column unchanged when no earlier change in the batch knew it either", () => {
    const first = upsert("A", "0001", { location: null, unchanged: { columns: ["location"], attributes: [] } });
    const second = upsert("A", "0002", { location: null, unchanged: { columns: ["location"], attributes: [] } });
    expect(collapseByKey([first, second])[0]!.row.unchanged).toEqual({ columns: ["location"], attributes: [] });
  });

  it("hard mode: upserts guarded by tombstones, then tombstones cleared, then deletes", () => {
    const steps = planWrite([upsert("A", "0001"), del("B", "0002", true), upsert("B", "0003")], "hard");
    expect(steps.map((s) => s.kind)).toEqual(["upsert", "clear-tombstones"]);
    const steps2 = planWrite([upsert("A", "0001"), del("A", "0002", false)], "hard");
    expect(steps2.map((s) => s.kind)).toEqual(["hard-delete"]);
    expect((steps2[0] as Extract<WriteStep, { kind: "hard-delete" }>).rows[0]!.source_position).toBe("0002");
  });

  it("applies a truncate as a barrier between the changes before and after it", () => {
    const changes: MeterMasterChange[] = [
      upsert("A", "0001"),
      { kind: "skip", reason: "tombstone" },
      { kind: "truncate", sourceSystem: "mysql", position: "0002", sourceTs: null },
      upsert("A", "0003"),
    ];
    const steps = planWrite(changes, "soft");
    expect(steps.map((s) => s.kind)).toEqual(["upsert", "truncate", "upsert"]);
    expect((steps[0] as Extract<WriteStep, { kind: "upsert" }>).rows[0]!.source_position).toBe("0001");
    expect((steps[2] as Extract<WriteStep, { kind: "upsert" }>).rows[0]!.source_position).toBe("0003");
  });

  it("plans nothing for a batch of tombstones", () => {
    expect(planWrite([{ kind: "skip", reason: "tombstone" }], "hard")).toEqual([]);
  });
});

const ref = { schema: "dbo", table: "meter_master" };
const EVIL = "x'); DROP TABLE meter_master; --";
const allSteps = (rows: MeterMasterRow[]): WriteStep[] => [
  { kind: "upsert", rows, guardTombstones: false },
  { kind: "upsert", rows, guardTombstones: true },
  { kind: "mark-deleted", rows },
  { kind: "hard-delete", rows },
  { kind: "clear-tombstones", rows },
  { kind: "truncate", sourceSystem: rows[0]!.source_system, position: rows[0]!.source_position, sourceTs: rows[0]!.source_ts, mode: "soft" },
  { kind: "truncate", sourceSystem: rows[0]!.source_system, position: rows[0]!.source_position, sourceTs: rows[0]!.source_ts, mode: "hard" },
];

/** Statement boundaries, string literals and brackets of T-SQL, enough to check structure. */
function tsqlStructure(text: string): { statements: string[]; balanced: boolean; literals: string[] } {
  const literals: string[] = [];
  let depth = 0;
  let balanced = true;
  let current = "";
  const statements: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      literals.push(text.slice(i + 1, end));
      current += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth < 0) balanced = false;
    if (ch === ";" && depth === 0) {
      statements.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  if (current.trim() !== "") statements.push(current.trim());
  return { statements, balanced: balanced && depth === 0, literals };
}

describe("T-SQL for SQL Server (checked without a SQL Server: node-sql-parser cannot parse MERGE/OPENJSON)", () => {
  it("node-sql-parser's TransactSQL dialect is tried and reported, not silently skipped", () => {
    const { Parser } = nodeSqlParser as unknown as { Parser: new () => { astify(sql: string, opt: object): unknown } };
    const parser = new Parser();
    let parsed = true;
    try {
      parser.astify(mssqlUpsert(ref, [row("A", "1")], true).text, { database: "TransactSQL" });
    } catch {
      parsed = false;
    }
    if (!parsed)
      console.warn(
        "NOT RUN: full T-SQL parse of the MERGE statement, because node-sql-parser's TransactSQL grammar has no MERGE/OPENJSON WITH; structural checks below instead",
      );
    expect(typeof parsed).toBe("boolean");
  });

  it("upserts with one MERGE ... WITH (HOLDLOCK) from OPENJSON(@rows), guarded by position", () => {
    const { text, params } = mssqlUpsert(ref, [row("A", "0001")], true);
    const structure = tsqlStructure(text);
    expect(structure.balanced).toBe(true);
    expect(structure.statements).toHaveLength(1);
    expect(text).toMatch(/^MERGE INTO \[dbo\]\.\[meter_master\] WITH \(HOLDLOCK\) AS t/);
    expect(text).toContain("FROM OPENJSON(@rows) WITH (");
    expect(text).toContain("WHEN MATCHED AND t.source_position < s.source_position COLLATE Latin1_General_BIN2 THEN");
    expect(text).toContain("WHEN NOT MATCHED BY TARGET THEN");
    expect(text).toContain("attributes NVARCHAR(MAX) '$.attributes' AS JSON");
    expect(text).toMatch(/d\.source_position >= r\.source_position COLLATE Latin1_General_BIN2/);
    expect(text.trimEnd().endsWith(";")).toBe(true); // MERGE must be terminated
    expect(params).toEqual([{ name: "rows", type: "nvarchar(max)", value: expect.any(String) }]);
    expect(JSON.parse(params[0]!.value!)).toEqual([row("A", "0001")]);
  });

  it("never splices values into the text: the SQL is identical for any rows, data only in parameters", () => {
    const plain = [row("A", "0001")];
    const hostile = [row(EVIL, "0009", { meter_id: EVIL, attributes: { [EVIL]: EVIL }, source_system: EVIL })];
    for (const [a, b] of allSteps(plain).map((s, i) => [s, allSteps(hostile)[i]!] as const)) {
      const sa = mssqlStatementFor(ref, a);
      const sb = mssqlStatementFor(ref, b);
      expect(sb.text).toBe(sa.text);
      expect(sb.text).not.toContain("DROP TABLE");
      expect(JSON.stringify(sb.params)).toContain("DROP TABLE");
      const structure = tsqlStructure(sb.text);
      expect(structure.balanced).toBe(true);
      // the only literals are JSON paths, the op code 't', N'{}', Meter Master column names (which
      // an update may leave unchanged) and the JSON punctuation that rebuilds attributes
      for (const literal of structure.literals) expect(literal).toMatch(/^(\$\.[a-z_.]+|t|\{\}|[a-z_]+|json|\{|\}|"|":|,|null|)$/);
      // every parameter referenced is declared, and only declared ones are referenced
      const referenced = new Set([...sb.text.matchAll(/@([a-z_]+)/g)].map((m) => m[1]).filter((n) => n !== "removed"));
      expect(referenced).toEqual(new Set(sb.params.map((p) => p.name)));
    }
  });

  it("hard delete removes only older rows and records a tombstone unless a newer row exists", () => {
    const { text } = mssqlStatementFor(ref, { kind: "hard-delete", rows: [row("A", "0002")] });
    const { statements } = tsqlStructure(text);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^DELETE t\s+FROM \[dbo\]\.\[meter_master\] AS t WITH \(HOLDLOCK\)/);
    expect(statements[0]).toContain("WHERE t.source_position < r.source_position COLLATE Latin1_General_BIN2");
    expect(statements[1]).toMatch(/^MERGE INTO \[dbo\]\.\[meter_master_tombstones\] WITH \(HOLDLOCK\) AS d/);
    expect(statements[1]).toContain("t.source_position >= r.source_position COLLATE Latin1_General_BIN2");
    expect(statements[1]).toContain("WHEN MATCHED AND d.source_position < s.source_position COLLATE Latin1_General_BIN2 THEN");
  });

  it("creates the table only if missing, with binary-collated positions and JSON-checked attributes", () => {
    const [schema, table, tombstones] = mssqlCreateTable(ref);
    expect(schema).toBe("IF SCHEMA_ID(N'dbo') IS NULL EXEC(N'CREATE SCHEMA [dbo]')");
    expect(table).toMatch(/^IF OBJECT_ID\(N'\[dbo\]\.\[meter_master\]', N'U'\) IS NULL\nCREATE TABLE \[dbo\]\.\[meter_master\]/);
    expect(table).toContain("source_position  VARCHAR(128) COLLATE Latin1_General_BIN2 NOT NULL");
    expect(table).toContain("CONSTRAINT [PK_meter_master] PRIMARY KEY (source_system, source_key)");
    expect(table).toContain("CHECK (ISJSON(attributes) = 1)");
    expect(table).toContain("last_reading     DECIMAL(18,4) NULL");
    expect(tombstones).toContain("CREATE TABLE [dbo].[meter_master_tombstones]");
    for (const ddl of [table!, tombstones!]) expect(tsqlStructure(ddl).balanced).toBe(true);
  });

  it("refuses table names that are not plain identifiers", () => {
    expect(() => mssqlUpsert({ schema: "dbo", table: "meter]; DROP TABLE x; --" }, [], false)).toThrow(/not a plain SQL identifier/);
    expect(() => pgCreateTable({ schema: 'public"', table: "meter_master" })).toThrow(/not a plain SQL identifier/);
  });
});

describe("PostgreSQL statements", () => {
  const pgRef = { schema: "public", table: "meter_master" };
  const leftOut = { location: null, unchanged: { columns: ["location"], attributes: [EVIL] } };

  it("pass each column as one array parameter and never splice values into the text", () => {
    const plain = allSteps([row("A", "0001")]).map((s) => pgStatementFor(pgRef, s));
    for (const keepsStored of [false, true]) {
      const same = keepsStored ? allSteps([row("A", "0001", leftOut)]).map((s) => pgStatementFor(pgRef, s)) : plain;
      const hostile = allSteps([row(EVIL, "0009", { meter_id: EVIL, source_system: EVIL, ...(keepsStored ? leftOut : {}) })]).map((s) =>
        pgStatementFor(pgRef, s),
      );
      for (const [i, statement] of hostile.entries()) {
        expect(statement.text).toBe(same[i]!.text);
        expect(statement.text).not.toContain("DROP TABLE");
        // the only literals are '{}' (empty attributes), 't' (truncate op) and the names of columns an update may leave unchanged
        for (const literal of statement.text.match(/'[^']*'/g) ?? [])
          expect(literal).toMatch(/^'(\{\}|t|columns|attributes|meter_id|meter_type|status|customer_ref|location|installed_at|last_reading|last_reading_at)'$/);
        expect(JSON.stringify(statement.values)).toContain("DROP TABLE");
      }
    }
    expect(plain[0]!.text).toContain("ON CONFLICT (source_system, source_key) DO UPDATE SET");
    expect(plain[0]!.text).toContain("WHERE t.source_position < EXCLUDED.source_position");
    // $1..$n, one array literal per parameter
    const referenced = new Set([...plain[0]!.text.matchAll(/\$(\d+)::[a-z0-9(),]+\[\]/g)].map((m) => Number(m[1])));
    expect(referenced).toEqual(new Set(plain[0]!.values.map((_, i) => i + 1)));
    for (const value of plain[0]!.values) expect(value).toMatch(/^\{.*\}$/s);
  });

  it("write array literals through one JSON.stringify when JSON's escapes are PostgreSQL's, element by element otherwise", () => {
    expect(pgArrayLiteral(["a", 'b"c', "d\\e", "NULL", "", "{x,y}", null, true, false])).toBe('{"a","b\\"c","d\\\\e","NULL","","{x,y}",null,true,false}');
    // JSON would write \n, \u0001 and \t, which PostgreSQL reads as n, u0001 and t: each element is quoted here instead
    expect(pgArrayLiteral(["line\none", "\u0001", 'tab\t"q"', null])).toBe('{"line\none","\u0001","tab\t\\"q\\"",NULL}');
    // a backslash followed by n is not told apart from an escape: quoted here too, the same value
    expect(pgArrayLiteral(["C:\\new"])).toBe('{"C:\\\\new"}');
  });

  it("upserts read the stored row only in a batch where a change left values out", () => {
    const full = pgUpsert(pgRef, [row("A", "0001"), row("B", "0002")], false).text;
    expect(full).not.toContain("LEFT JOIN");
    expect(full).toContain("r.location,");
    const mixed = pgUpsert(pgRef, [row("A", "0001"), row("B", "0002", leftOut)], false).text;
    expect(mixed).toContain(
      `LEFT JOIN LATERAL (SELECT * FROM "public"."meter_master" AS cur WHERE cur.source_system = r.source_system AND cur.source_key = r.source_key OFFSET 0) AS cur ON true`,
    );
    expect(mixed).toContain("CASE WHEN r.unchanged->'columns' ? 'location' THEN cur.location ELSE r.location END");
  });
});
