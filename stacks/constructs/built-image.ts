import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Image } from "@cdktf/provider-docker/lib/image/index.js";
import { Construct } from "constructs";

export interface BuiltImageProps {
  /** Image name, e.g. `meter-master/sink-app:local`. */
  readonly name: string;
  /** Absolute path of the build context. */
  readonly context: string;
  /** Dockerfile path relative to the context. */
  readonly dockerfile: string;
  readonly buildArgs?: Record<string, string>;
  /** Files and folders (relative to the context) whose content triggers a rebuild. */
  readonly sources: string[];
}

/**
 * An image the stack builds from this repository. It is rebuilt when its sources change
 * (content hash, not timestamps) and removed by `cdktf destroy`.
 */
export class BuiltImage extends Construct {
  readonly image: Image;

  constructor(scope: Construct, id: string, props: BuiltImageProps) {
    super(scope, id);
    const hash = createHash("sha256");
    for (const file of props.sources.flatMap((s) => listFiles(join(props.context, s))).sort()) {
      hash.update(relative(props.context, file)).update("\0").update(readFileSync(file));
    }
    hash.update(JSON.stringify(props.buildArgs ?? {}));
    this.image = new Image(this, "image", {
      name: props.name,
      keepLocally: false,
      buildAttribute: {
        context: props.context,
        dockerfile: props.dockerfile,
        buildArgs: props.buildArgs,
      },
      triggers: { source_sha256: hash.digest("hex") },
    });
  }
}

function listFiles(path: string): string[] {
  if (!existsSync(path)) throw new Error(`image source ${path} does not exist`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => (e.name === "node_modules" || e.name === "dist" ? [] : listFiles(join(path, e.name))));
}
