import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import nodeSqlParser from "node-sql-parser";
import { describe, expect, it } from "vitest";
import { stackFile } from "../../../stacks/constructs/init-files.js";

/**
 * SQL Server and Oracle cannot run on the machines this project is tested on, so their init
 * scripts are checked statically here. NOT RUN against a real server: SQL Server 2022 and
 * Oracle 23 Free init scripts (they run on `cdktf deploy`; see README "What the tests do not cover").
 */
const read = (p: string) => readFileSync(stackFile(`init-sql/${p}`), "utf8");
const { Parser } = nodeSqlParser as unknown as { Parser: new () => { astify(sql: string, o: object): unknown } };

function tsqlBatches(sql: string): string[] {
  return sql
    .split(/^\s*GO\s*$/m)
    .map((b) => b.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
}

describe("init scripts of the SQL Server and Oracle containers (static checks; no server runs here)", () => {
  it("are valid bash, every one of them", () => {
    const scripts = ["postgres", "mysql", "mssql", "oracle"].flatMap((dir) =>
      readdirSync(stackFile(`init-sql/${dir}`))
        .filter((f) => f.endsWith(".sh"))
        .map((f) => stackFile(`init-sql/${dir}/${f}`)),
    );
    expect(scripts.length).toBe(7);
    for (const script of scripts) execFileSync("bash", ["-n", script]);
  });

  it("parse as T-SQL where the parser has a grammar, and say which batches it could not check", () => {
    const parser = new Parser();
    const unchecked: string[] = [];
    let parsed = 0;
    for (const file of ["mssql/10-meter-source.sql", "mssql/20-meter-master.sql"]) {
      for (const batch of tsqlBatches(read(file))) {
        // sqlcmd substitutes $(Var) before the server sees the text.
        const text = batch.replace(/\$\((\w+)\)/g, "placeholder");
        try {
          parser.astify(text, { database: "transactsql" });
          parsed++;
        } catch {
          unchecked.push(`${file}: ${text.replace(/\s+/g, " ").slice(0, 90)}`);
        }
      }
    }
    console.warn(`NOT CHECKED by the T-SQL parser (no grammar for these statements):\n  ${unchecked.join("\n  ")}`);
    expect(parsed).toBeGreaterThanOrEqual(9);
    // Only logins, users and roles, and the table DDL (inline named constraint) are outside its grammar.
    for (const line of unchecked) expect(line).toMatch(/CREATE (LOGIN|USER|TABLE)|SUSER_ID|USER_ID/);
  });

  it("enable CDC on the demo table and poll for changes every second", () => {
    const sql = read("mssql/10-meter-source.sql");
    expect(sql).toContain("EXEC sys.sp_cdc_enable_db;");
    expect(sql).toMatch(/sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'Meters'/);
    expect(sql).toContain("@pollinginterval = 1");
    // The new interval takes effect only after the capture job restarts.
    expect(sql.indexOf("sp_cdc_stop_job")).toBeLessThan(sql.indexOf("sp_cdc_start_job"));
  });

  it("bind every sqlcmd variable the scripts use, from the container's environment", () => {
    const used = new Set(["mssql/10-meter-source.sql", "mssql/20-meter-master.sql"].flatMap((f) => [...read(f).matchAll(/\$\((\w+)\)/g)].map((m) => m[1])));
    const entrypoint = read("mssql/entrypoint.sh");
    for (const v of used) expect(entrypoint).toMatch(new RegExp(`${v}="\\$MSSQL_[A-Z_]+"`));
    expect([...used].sort()).toEqual(["DebeziumPassword", "MeterMasterPassword"]);
  });

  it("grant the Oracle LogMiner user exactly the privileges Debezium's documentation lists", () => {
    const script = read("oracle/02-debezium-user.sh");
    const granted = [...script.matchAll(/^GRANT (.+) TO c##dbzuser CONTAINER = ALL;$/gm)].map((m) => m[1]!.replace(/\\\$/g, "$"));
    expect(granted.sort()).toEqual(
      [
        "CREATE SESSION",
        "SET CONTAINER",
        "SELECT ON V_$DATABASE",
        "FLASHBACK ANY TABLE",
        "SELECT ANY TABLE",
        "SELECT_CATALOG_ROLE",
        "EXECUTE_CATALOG_ROLE",
        "SELECT ANY TRANSACTION",
        "LOGMINING",
        "CREATE TABLE",
        "LOCK ANY TABLE",
        "CREATE SEQUENCE",
        "EXECUTE ON DBMS_LOGMNR",
        "EXECUTE ON DBMS_LOGMNR_D",
        "SELECT ON V_$LOG",
        "SELECT ON V_$LOG_HISTORY",
        "SELECT ON V_$LOGMNR_LOGS",
        "SELECT ON V_$LOGMNR_CONTENTS",
        "SELECT ON V_$LOGMNR_PARAMETERS",
        "SELECT ON V_$LOGFILE",
        "SELECT ON V_$ARCHIVED_LOG",
        "SELECT ON V_$ARCHIVE_DEST_STATUS",
        "SELECT ON V_$TRANSACTION",
        "SELECT ON V_$MYSTAT",
        "SELECT ON V_$STATNAME",
      ].sort(),
    );
    expect(read("oracle/01-logminer.sh")).toMatch(/STARTUP MOUNT\nALTER DATABASE ARCHIVELOG;\nALTER DATABASE OPEN;/);
    expect(read("oracle/03-meter-assets.sql")).toContain("ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS");
  });

  it("keep the four demo tables deliberately different, with the columns the Meter Master mapping reads", () => {
    const columns: Record<string, string[]> = {
      "postgres/01-meters.sql": [
        "id",
        "serial_no",
        "kind",
        "state",
        "customer_id",
        "address",
        "installed_on",
        "last_value",
        "last_value_at",
        "tags",
        "external_ref",
        "smart",
      ],
      "mysql/01-meter-registry.sql": [
        "region_code",
        "meter_no",
        "meter_kind",
        "status_code",
        "account_no",
        "site_address",
        "install_date",
        "last_read_kwh",
        "last_read_time",
        "notes",
      ],
      "mssql/10-meter-source.sql": [
        "MeterKey",
        "SerialNumber",
        "MeterType",
        "Status",
        "CustomerRef",
        "Location",
        "InstalledAt",
        "LastReading",
        "LastReadingAt",
        "IsSmart",
      ],
      "oracle/03-meter-assets.sql": [
        "ASSET_ID",
        "METER_SERIAL",
        "METER_CLASS",
        "LIFECYCLE_STATE",
        "CUSTOMER_NO",
        "PREMISE_ADDR",
        "INSTALL_DT",
        "LAST_READ_VAL",
        "LAST_READ_TS",
      ],
    };
    for (const [file, cols] of Object.entries(columns)) {
      const ddl = read(file).split(/\);/)[0]!;
      for (const c of cols) expect(ddl, `${file} ${c}`).toMatch(new RegExp(`^\\s+${c}\\s`, "m"));
    }
  });
});
