// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function
// and per module (a node_modules package, a sink-app source file, or Node's internals).

import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function moduleOf(url: string): string {
  if (!url) return "(native / V8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith("node:")) return "node internals";
  const m = /(sink-app\/src\/.*|connector-configs\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, "");
}

export interface ProfileSummary {
  totalMs: number;
  sampledMs: number;
  idleMs: number;
  gcMs: number;
  byModule: Array<{ module: string; selfMs: number; pct: number }>;
  byFunction: Array<{ fn: string; module: string; selfMs: number; pct: number }>;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  let total = 0;
  let idle = 0;
  let gc = 0;
  const fn = new Map<string, { fn: string; module: string; selfMs: number }>();
  const mod = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    total += ms;
    const name = n.callFrame.functionName || "(anonymous)";
    if (name === "(idle)") {
      idle += ms;
      continue;
    }
    if (name === "(garbage collector)") gc += ms;
    const module = name === "(garbage collector)" ? "(garbage collector)" : name === "(program)" ? "(program)" : moduleOf(n.callFrame.url);
    const key = `${name} ${n.callFrame.url}:${n.callFrame.lineNumber + 1}`;
    const e = fn.get(key) ?? { fn: `${name} (${moduleOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1})`, module, selfMs: 0 };
    e.selfMs += ms;
    fn.set(key, e);
    mod.set(module, (mod.get(module) ?? 0) + ms);
  }
  const busy = total - idle;
  const pct = (ms: number) => Math.round((ms / busy) * 1000) / 10;
  return {
    totalMs: Math.round((p.endTime - p.startTime) / 1000),
    sampledMs: Math.round(total),
    idleMs: Math.round(idle),
    gcMs: Math.round(gc),
    byModule: [...mod.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, ms]) => ({ module, selfMs: Math.round(ms), pct: pct(ms) })),
    byFunction: [...fn.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((e) => ({ ...e, selfMs: Math.round(e.selfMs), pct: pct(e.selfMs) })),
  };
}
