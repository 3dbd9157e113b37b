import { Token } from "cdktf";

/**
 * Terraform reads every string in cdk.tf.json as a template: `${` starts an interpolation and
 * `%{` a directive. File contents, health-check commands and connector configs are literal text
 * (shell `${VAR}`, Kafka Connect's `${env:NAME}`), so both sequences are escaped to `$${` and
 * `%%{`, which Terraform turns back into exactly the original text.
 *
 * Only plain strings are escaped; a string holding a cdktf token (a deliberate Terraform
 * reference such as a secret variable) is a programming error here.
 */
export function terraformLiteral(text: string): string {
  if (Token.isUnresolved(text)) {
    throw new Error(`terraformLiteral() got a string with a Terraform reference in it: ${text.slice(0, 80)}`);
  }
  // Function replacements: in a replacement string, `$$` would itself mean one `$`.
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** terraformLiteral() for plain strings; strings with deliberate references pass through unchanged. */
export function literalUnlessReference(text: string): string {
  return Token.isUnresolved(text) ? text : terraformLiteral(text);
}
