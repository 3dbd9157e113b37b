// Table names come from configuration; they are validated and quoted, never interpolated raw.

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface TableRef {
  schema: string;
  table: string;
}

export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`${what} ${JSON.stringify(name)} is not a plain SQL identifier (letters, digits, _; at most 63)`);
  }
  return name;
}

/** Name of the table that remembers hard deletes (see DESIGN: a deleted row is never resurrected). */
export function tombstoneTable(ref: TableRef): TableRef {
  return { schema: ref.schema, table: `${ref.table}_tombstones` };
}

export function pgName(ref: TableRef): string {
  return `"${assertIdentifier(ref.schema, "schema")}"."${assertIdentifier(ref.table, "table")}"`;
}

export function mssqlName(ref: TableRef): string {
  return `[${assertIdentifier(ref.schema, "schema")}].[${assertIdentifier(ref.table, "table")}]`;
}
