import { describe, expect, it } from "vitest";
import { batchIdempotencyKey, idempotencyKeyFor } from "../../../../sink-app/src/delivery/http/idempotency.js";
import {
  bodyElement,
  buildRequestBody,
  buildRequestHeaders,
  buildTokenRequest,
  chunk,
  requestIdempotencyKey,
  staticAuthHeader,
} from "../../../../sink-app/src/delivery/http/request-shape.js";

const row = (meterNo: string, position: string) => ({
  source_system: "mysql",
  source_key: JSON.stringify(["NYC", meterNo]),
  meter_id: meterNo,
  meter_type: "ELECTRIC",
  status: "active",
  customer_ref: "ACC-20931",
  location: "12 Harbor St, New York",
  installed_at: "2021-03-14",
  last_reading: "10452.2500",
  last_reading_at: "2025-01-07T08:15:00.000Z",
  attributes: { notes: "rooftop unit" },
  is_deleted: false,
  source_op: "u",
  source_position: position,
});

const item = (meterNo: string, position: string) => ({
  idempotencyKey: idempotencyKeyFor({
    sourceSystem: "mysql",
    sourceKey: JSON.stringify(["NYC", meterNo]),
    sourcePosition: position,
    op: "u",
  }),
  body: row(meterNo, position),
});

describe("request body", () => {
  it("adds each event's idempotency key to the event object itself", () => {
    const i = item("M-1001", "mysql-bin.000003:15734:0");
    expect(bodyElement(i, "idempotencyKey")).toEqual({ ...row("M-1001", "mysql-bin.000003:15734:0"), idempotencyKey: i.idempotencyKey });
  });

  it("wraps a non-object event so its key still travels with it", () => {
    expect(bodyElement({ idempotencyKey: "k-1", body: [1, 2] }, "key")).toEqual({ key: "k-1", value: [1, 2] });
    expect(bodyElement({ idempotencyKey: "k-2", body: null }, "key")).toEqual({ key: "k-2", value: null });
  });

  it("sends a batch as a JSON array in input order", () => {
    const items = [item("M-1001", "f:1:0"), item("M-1002", "f:2:0")];
    const body = JSON.parse(buildRequestBody(items, { batching: { enabled: true } as never, idempotencyKeyProperty: "idempotencyKey" }));
    expect(body.map((e: { meter_id: string; idempotencyKey: string }) => [e.meter_id, e.idempotencyKey])).toEqual([
      ["M-1001", items[0]!.idempotencyKey],
      ["M-1002", items[1]!.idempotencyKey],
    ]);
  });

  it("sends a single event as a JSON object when batching is off", () => {
    const i = item("M-1001", "f:1:0");
    const body = JSON.parse(buildRequestBody([i], { batching: { enabled: false } as never, idempotencyKeyProperty: "idempotencyKey" }));
    expect(body.meter_id).toBe("M-1001");
    expect(body.idempotencyKey).toBe(i.idempotencyKey);
    expect(() => buildRequestBody([i, i], { batching: { enabled: false } as never, idempotencyKeyProperty: "k" })).toThrow(RangeError);
  });
});

describe("idempotency keys", () => {
  it("gives the same change the same key every time, and another change another key", () => {
    const change = { sourceSystem: "mssql", sourceKey: "42", sourcePosition: "0000002a:00000120:0003", op: "u" };
    expect(idempotencyKeyFor(change)).toBe(idempotencyKeyFor({ ...change }));
    expect(idempotencyKeyFor(change)).toMatch(/^mssql-[0-9a-f]{40}$/);
    expect(idempotencyKeyFor({ ...change, sourcePosition: "0000002a:00000128:0002" })).not.toBe(idempotencyKeyFor(change));
    expect(idempotencyKeyFor({ ...change, sourceKey: "43" })).not.toBe(idempotencyKeyFor(change));
    expect(idempotencyKeyFor({ ...change, op: "d" })).not.toBe(idempotencyKeyFor(change));
  });

  it("makes header-safe keys from Unicode and comma-laden source keys", () => {
    const key = idempotencyKeyFor({ sourceSystem: "oracle", sourceKey: '["Zähler, Süd",7]', sourcePosition: "SCN 1234567", op: "c" });
    expect(key).toMatch(/^oracle-[0-9a-f]{40}$/);
  });

  it("uses the item's own key as header key for a single request, a hash of all keys for a batch", () => {
    const a = item("M-1001", "f:1:0");
    const b = item("M-1002", "f:2:0");
    expect(requestIdempotencyKey([a], false)).toBe(a.idempotencyKey);
    expect(requestIdempotencyKey([a, b], true)).toBe(batchIdempotencyKey([a.idempotencyKey, b.idempotencyKey]));
    expect(requestIdempotencyKey([a, b], true)).toBe(requestIdempotencyKey([{ ...a }, { ...b }], true));
    expect(requestIdempotencyKey([b, a], true)).not.toBe(requestIdempotencyKey([a, b], true));
    expect(requestIdempotencyKey([a], true)).toMatch(/^batch-[0-9a-f]{40}$/);
  });
});

describe("buildRequestHeaders", () => {
  it("sends JSON, the idempotency key, the batch size and the auth header", () => {
    expect(
      buildRequestHeaders({
        config: { headers: { "X-Tenant": "north" }, idempotencyHeader: "Idempotency-Key" },
        idempotencyKey: "batch-abc",
        batchSize: 3,
        auth: { name: "Authorization", value: "Bearer t-1" },
      }),
    ).toEqual({
      "content-type": "application/json",
      accept: "application/json, */*;q=0.5",
      "x-tenant": "north",
      "idempotency-key": "batch-abc",
      "x-batch-size": "3",
      authorization: "Bearer t-1",
    });
  });

  it("lets extra headers override Content-Type and omits the batch size for single requests", () => {
    const headers = buildRequestHeaders({
      config: { headers: { "Content-Type": "application/vnd.meters+json" }, idempotencyHeader: "X-Request-Id" },
      idempotencyKey: "mysql-1",
      batchSize: undefined,
      auth: undefined,
    });
    expect(headers["content-type"]).toBe("application/vnd.meters+json");
    expect(headers["x-request-id"]).toBe("mysql-1");
    expect(headers).not.toHaveProperty("x-batch-size");
    expect(headers).not.toHaveProperty("authorization");
  });
});

describe("staticAuthHeader", () => {
  it("reads the value from the named env var and applies the prefix", () => {
    expect(staticAuthHeader({ headerName: "Authorization", valueEnv: "MSSQL_API_TOKEN", valuePrefix: "Bearer " }, { MSSQL_API_TOKEN: "s3cr3t" })).toEqual({
      name: "Authorization",
      value: "Bearer s3cr3t",
    });
  });

  it("reports a missing or empty variable as undefined", () => {
    const auth = { headerName: "X-Api-Key", valueEnv: "K", valuePrefix: "" };
    expect(staticAuthHeader(auth, {})).toBeUndefined();
    expect(staticAuthHeader(auth, { K: "" })).toBeUndefined();
  });
});

describe("buildTokenRequest", () => {
  it("header mode sends HTTP Basic id:secret and only grant_type and scope in the form", () => {
    const req = buildTokenRequest({ clientId: "cdc-sink", clientSecret: "p@ss:word", scope: "meters.write", authorizationMode: "header" });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from("cdc-sink:p@ss:word").toString("base64")}`);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ grant_type: "client_credentials", scope: "meters.write" });
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("url mode sends client_id and client_secret as form fields and no Authorization header", () => {
    const req = buildTokenRequest({ clientId: "cdc-sink", clientSecret: "p@ss&word", scope: undefined, authorizationMode: "url" });
    expect(req.headers).not.toHaveProperty("authorization");
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      grant_type: "client_credentials",
      client_id: "cdc-sink",
      client_secret: "p@ss&word",
    });
  });
});

describe("chunk", () => {
  it("splits into request-sized pieces in order, the last one shorter", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });
});
