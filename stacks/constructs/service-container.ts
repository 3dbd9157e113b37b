import { Container, type ContainerConfig } from "@cdktf/provider-docker/lib/container/index.js";
import { Image } from "@cdktf/provider-docker/lib/image/index.js";
import { Volume } from "@cdktf/provider-docker/lib/volume/index.js";
import { Construct } from "constructs";
import { literalUnlessReference, terraformLiteral } from "../terraform-literal.js";

export interface HealthCheck {
  /** Command run inside the container; exit 0 means "ready for the next step". */
  readonly test: string[];
  /** @default "5s" */
  readonly interval?: string;
  /** @default "10s" */
  readonly timeout?: string;
  /** Grace period during which failures do not count. @default "10s" */
  readonly startPeriod?: string;
  /** @default 5 */
  readonly retries?: number;
}

export interface ServiceContainerProps {
  /** Deployment name, prefix of every Docker object. */
  readonly prefix: string;
  /** Component name: container `<prefix>-<name>`, and its host name on the network. */
  readonly name: string;
  /** Upstream image reference to pull, or an image the stack builds. */
  readonly image: string | Image;
  /** Keep a pulled image on destroy. @default true */
  readonly keepImageLocally?: boolean;
  readonly network: string;
  readonly env?: string[];
  readonly command?: string[];
  readonly entrypoint?: string[];
  readonly user?: string;
  readonly healthCheck: HealthCheck;
  /** Seconds Terraform waits for the health check before failing the deploy. */
  readonly waitTimeoutSeconds: number;
  /** Published ports: container port -> host port on hostIp (null = not published). */
  readonly ports?: Array<{ internal: number; external: number | null }>;
  readonly hostIp: string;
  /** Named data volumes: volume suffix -> mount path. */
  readonly dataVolumes?: Record<string, string>;
  /** When true, volumes are mounted by name but not managed, so destroy keeps them. @default false */
  readonly keepDataOnDestroy?: boolean;
  /** Files written into the container before it starts. */
  readonly files?: Array<{ path: string; content: string; executable?: boolean }>;
  /** Memory limit in MiB; the container gets no swap beyond it. @default no limit */
  readonly memoryMb?: number;
  /** @default no limit */
  readonly cpus?: number;
  readonly shmSizeMb?: number;
  /**
   * Seconds between the stop signal and a kill, on destroy and on replacement, so the process
   * shuts down cleanly (the sink-app commits its offsets, databases flush). @default 30
   */
  readonly stopGraceSeconds?: number;
  readonly dependsOn?: Container[];
}

/**
 * A long-running container of the stack: on the stack's network under its component name,
 * gated by a health check that Terraform waits for (no fixed sleeps), with named volumes that
 * `cdktf destroy` removes unless the deployment keeps data.
 */
export class ServiceContainer extends Construct {
  readonly container: Container;
  readonly image: Image;
  readonly volumes: Volume[] = [];
  /** Host name of the service on the stack's network. */
  readonly host: string;

  constructor(scope: Construct, id: string, props: ServiceContainerProps) {
    super(scope, id);
    this.host = props.name;
    this.image = typeof props.image === "string" ? new Image(this, "image", { name: props.image, keepLocally: props.keepImageLocally ?? true }) : props.image;

    const mounts = Object.entries(props.dataVolumes ?? {}).map(([suffix, containerPath]) => {
      const volumeName = `${props.prefix}-${props.name}-${suffix}`;
      if (!props.keepDataOnDestroy) {
        this.volumes.push(new Volume(this, `volume-${suffix}`, { name: volumeName }));
      }
      return { volumeName, containerPath };
    });

    const hc = props.healthCheck;
    const stopGraceSeconds = props.stopGraceSeconds ?? 30;
    // Every string Terraform reads is a template; everything here is literal except secret references.
    const literals = (list?: string[]) => list?.map(literalUnlessReference);
    const config: ContainerConfig = {
      name: `${props.prefix}-${props.name}`,
      hostname: props.name,
      image: this.image.imageId,
      env: literals(props.env),
      command: literals(props.command),
      entrypoint: literals(props.entrypoint),
      user: props.user,
      restart: "unless-stopped",
      networksAdvanced: [{ name: props.network, aliases: [props.name] }],
      ports: publishedPorts(props),
      volumes: mounts,
      upload: props.files?.map((f) => ({ file: f.path, content: terraformLiteral(f.content), executable: f.executable ?? false })),
      healthcheck: {
        test: hc.test.map(literalUnlessReference),
        interval: hc.interval ?? "5s",
        timeout: hc.timeout ?? "10s",
        startPeriod: hc.startPeriod ?? "10s",
        retries: hc.retries ?? 5,
      },
      wait: true,
      waitTimeout: props.waitTimeoutSeconds,
      memory: props.memoryMb,
      // Declared, or Docker's default (twice the memory) reads back as a change on every plan.
      memorySwap: props.memoryMb,
      cpus: props.cpus === undefined ? undefined : String(props.cpus),
      shmSize: props.shmSizeMb,
      // destroy_grace_seconds: Terraform stops (SIGTERM, then kill) instead of removing at once.
      destroyGraceSeconds: stopGraceSeconds,
      stopTimeout: stopGraceSeconds,
      // Volumes are separate resources; removing anonymous ones keeps destroy clean.
      removeVolumes: true,
      dependsOn: [...this.volumes, ...(props.dependsOn ?? [])],
    };
    this.container = new Container(this, "container", config);
  }
}

function publishedPorts(props: ServiceContainerProps) {
  const ports = (props.ports ?? []).flatMap((p) => (p.external === null ? [] : [{ internal: p.internal, external: p.external, ip: props.hostIp }]));
  return ports.length > 0 ? ports : undefined;
}
