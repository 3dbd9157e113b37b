import { describe, expect, it } from "vitest";
import { pgPoolConfig } from "../../../../sink-app/src/meter-master/postgres-store.js";
import type { StoreConnection } from "../../../../sink-app/src/meter-master/store.js";

const base: StoreConnection = {
  host: "db",
  port: 5432,
  database: "mm",
  user: "writer",
  password: "x",
  table: { schema: "public", table: "meter_master" },
  tls: { enabled: true, trustServerCertificate: false },
};

describe("the PostgreSQL Meter Master connection", () => {
  it("verifies the server's certificate whenever TLS is on", () => {
    expect(pgPoolConfig(base).ssl).toEqual({ rejectUnauthorized: true });
  });

  it("accepts an unverifiable certificate only when the config opts out explicitly", () => {
    expect(pgPoolConfig({ ...base, tls: { enabled: true, trustServerCertificate: true } }).ssl).toEqual({ rejectUnauthorized: false });
  });

  it("uses no TLS when it is off", () => {
    expect(pgPoolConfig({ ...base, tls: { enabled: false, trustServerCertificate: false } }).ssl).toBeUndefined();
  });
});
