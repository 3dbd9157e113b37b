// What one HTTP request looks like: headers and JSON body (pure).
import type { EndpointConfig } from "./config.js";
import { batchIdempotencyKey } from "./idempotency.js";
import type { DeliveryItem } from "./types.js";

/**
 * Each event in the body carries its own key under `idempotencyKeyProperty`, so a receiver
 * can dedupe per event even inside a batch. Objects get the property added (overwriting a
 * same-named one); non-objects are wrapped as { <property>: key, value }.
 */
export function bodyElement(item: DeliveryItem, keyProperty: string): Record<string, unknown> {
  const { body } = item;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    return { ...(body as Record<string, unknown>), [keyProperty]: item.idempotencyKey };
  }
  return { [keyProperty]: item.idempotencyKey, value: body };
}

/** Batch request: JSON array of elements. Single request: the one element as a JSON object. */
export function buildRequestBody(items: readonly DeliveryItem[], config: Pick<EndpointConfig, "batching" | "idempotencyKeyProperty">): string {
  const elements = items.map((item) => bodyElement(item, config.idempotencyKeyProperty));
  if (config.batching.enabled) return JSON.stringify(elements);
  if (elements.length !== 1) throw new RangeError(`a non-batch request carries exactly one item, got ${elements.length}`);
  return JSON.stringify(elements[0]);
}

/** The header idempotency key: the item's own key for single requests, a hash of all keys for batches. */
export function requestIdempotencyKey(items: readonly DeliveryItem[], batching: boolean): string {
  if (!batching && items.length === 1) return items[0]!.idempotencyKey;
  return batchIdempotencyKey(items.map((i) => i.idempotencyKey));
}

/**
 * Headers of one request. Order of precedence: fixed content headers, then user extras
 * (which may override Content-Type/Accept), then idempotency and auth (which the schema
 * forbids extras to collide with).
 */
export function buildRequestHeaders(params: {
  config: Pick<EndpointConfig, "headers" | "idempotencyHeader">;
  idempotencyKey: string;
  batchSize: number | undefined;
  auth: { name: string; value: string } | undefined;
}): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, */*;q=0.5",
  };
  for (const [name, value] of Object.entries(params.config.headers)) headers[name.toLowerCase()] = value;
  headers[params.config.idempotencyHeader.toLowerCase()] = params.idempotencyKey;
  if (params.batchSize !== undefined) headers["x-batch-size"] = String(params.batchSize);
  if (params.auth) headers[params.auth.name.toLowerCase()] = params.auth.value;
  return headers;
}

/** Splits items into request-sized chunks, preserving order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Static auth header from the environment; undefined value means the env var is missing. */
export function staticAuthHeader(
  auth: { headerName: string; valueEnv: string; valuePrefix: string },
  env: Record<string, string | undefined>,
): { name: string; value: string } | undefined {
  const value = env[auth.valueEnv];
  if (value === undefined || value === "") return undefined;
  return { name: auth.headerName, value: `${auth.valuePrefix}${value}` };
}

/** Token request of the client-credentials grant (RFC 6749 §4.4), in header or url mode. */
export function buildTokenRequest(params: { clientId: string; clientSecret: string; scope: string | undefined; authorizationMode: "header" | "url" }): {
  headers: Record<string, string>;
  body: string;
} {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (params.scope) form.set("scope", params.scope);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (params.authorizationMode === "header") {
    // Plain `id:secret` in base64, as the Aiven HTTP sink sends it (and most servers expect).
    const basic = Buffer.from(`${params.clientId}:${params.clientSecret}`).toString("base64");
    headers.authorization = `Basic ${basic}`;
  } else {
    form.set("client_id", params.clientId);
    form.set("client_secret", params.clientSecret);
  }
  return { headers, body: form.toString() };
}
