// How Terraform reads a string in cdk.tf.json: as a template where `${...}` is an
// interpolation and `%{...}` a directive, and `$${` / `%%{` stand for a literal `${` / `%{`.
// Written from Terraform's template syntax, independently of stacks/terraform-literal.ts.

export interface TemplatePart {
  kind: "interpolation" | "directive";
  /** The expression between the braces. */
  expression: string;
  at: number;
}

/** The `${...}` and `%{...}` sequences Terraform would evaluate in `text`. */
export function templateSequences(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      i += 2;
      continue;
    }
    if (text.startsWith("${", i) || text.startsWith("%{", i)) {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      parts.push({ kind: text[i] === "$" ? "interpolation" : "directive", expression: text.slice(i + 2, j), at: i });
      i = j;
    }
  }
  return parts;
}

/** The text Terraform produces from a string with no expressions in it; throws if it has any. */
export function readAsTerraform(text: string): string {
  const found = templateSequences(text);
  if (found.length > 0) {
    const p = found[0]!;
    throw new Error(`Terraform would evaluate ${p.kind === "interpolation" ? "${" : "%{"}${p.expression}} at offset ${p.at}`);
  }
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}

/** Every string in a JSON value, with its JSON path. */
export function* jsonStrings(value: unknown, path = "$"): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* jsonStrings(v, `${path}[${i}]`);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* jsonStrings(v, `${path}.${k}`);
}
