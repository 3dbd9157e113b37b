// Secrets are never literals: a config names where Kafka Connect finds the
// secret, and Connect's config providers resolve it when the connector starts.
// The stored connector config (GET /connectors/{name}/config) therefore shows
// `${env:VAR}`, never the password itself.
import { z } from "zod";

// UPPER_SNAKE_CASE: each name becomes a sensitive Terraform variable (TF_VAR_<lower case>) and an
// environment variable of the containers; the stack's Secrets construct accepts nothing else.
export const SECRET_ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
export const SECRET_ENV_EXPECTED =
  "the NAME of an environment variable in UPPER_SNAKE_CASE (A-Z, digits, '_'), e.g. POSTGRES_DEBEZIUM_PASSWORD, never the secret itself";
// ConfigTransformer splits `${provider:path:key}` on ':' and stops at '}', so neither may appear.
const FILE_PART = /^[^:}{\s]+$/;

export const envSecretSchema = z
  .object({
    env: z
      .string()
      .regex(SECRET_ENV_NAME, SECRET_ENV_EXPECTED)
      .describe("Name of an environment variable of the Kafka Connect worker that holds the secret (EnvVarConfigProvider, `${env:VAR}`)."),
  })
  .strict()
  .describe("Secret read from an environment variable of the Kafka Connect worker.");

export const fileSecretSchema = z
  .object({
    file: z
      .string()
      .startsWith("/", "an absolute path inside the Kafka Connect container")
      .regex(FILE_PART, "a path without ':', '{', '}' or spaces")
      .describe("Absolute path, inside the Kafka Connect container, of a Java properties file (FileConfigProvider, `${file:path:key}`)."),
    key: z.string().regex(FILE_PART, "a key without ':', '{', '}' or spaces").describe("Key in that properties file whose value is the secret."),
  })
  .strict()
  .describe("Secret read from a properties file mounted into the Kafka Connect container.");

export const secretRefSchema = z
  .union([envSecretSchema, fileSecretSchema], {
    error: 'a secret reference, { env: "VAR_NAME" } or { file: "/abs/path.properties", key: "name" } — never the secret itself',
  })
  .describe(
    'Where Kafka Connect reads the secret: { env: "VAR" } renders `${env:VAR}`, { file: "/path", key: "k" } renders `${file:/path:k}`. Needs the worker setting config.providers=env,file.',
  );

export type SecretRef = z.infer<typeof secretRefSchema>;

/** The Kafka Connect config-provider placeholder for a secret reference. */
export function renderSecretRef(ref: SecretRef): string {
  return "env" in ref ? `\${env:${ref.env}}` : `\${file:${ref.file}:${ref.key}}`;
}
