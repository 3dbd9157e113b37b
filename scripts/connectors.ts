// `npm run connectors -- <command>`: see scripts/connectors/cli.ts, or `npm run connectors -- --help`.
import { input, select } from "@inquirer/prompts";
import { runCli } from "./connectors/cli.js";

const code = await runCli(process.argv.slice(2), {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
  env: process.env,
  interactive: process.stdin.isTTY === true,
  prompts: {
    select: (q) => select(q),
    input: (q) => input(q),
  },
});
process.exitCode = code;
