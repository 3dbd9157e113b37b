// Public surface of the HTTP delivery module (used by the sink-app and connector-configs/api-endpoints.ts).
export * from "./config.js";
export { createHttpDelivery } from "./delivery.js";
export { idempotencyKeyFor } from "./idempotency.js";
export * from "./types.js";
