#!/usr/bin/env node
// Self and inclusive time per function of a V8 .cpuprofile (from node --cpu-prof), top N.
// Usage: node bench/profile/summarize-cpuprofile.mjs file.cpuprofile [N]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: summarize-cpuprofile.mjs file.cpuprofile [N]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Sample weights: time deltas (µs) attributed to the sampled node.
const self = new Map();
const samples = profile.samples;
const deltas = profile.timeDeltas;
let total = 0;
for (let i = 0; i < samples.length; i++) {
  const dt = deltas[i + 1] ?? deltas[i] ?? 0;
  self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  total += dt;
}

const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^file:\/\/.*?\/(lib|bench|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

const selfByLabel = new Map();
const inclusiveByLabel = new Map();
for (const [id, t] of self) {
  const node = byId.get(id);
  selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + t);
  // inclusive: every distinct label on the stack gets the sample once
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur));
    if (seen.has(l)) continue;
    seen.add(l);
    inclusiveByLabel.set(l, (inclusiveByLabel.get(l) ?? 0) + t);
  }
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5) + '%';
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms\n\nself time:`);
for (const [l, t] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${l}`);
console.log('\ninclusive time:');
for (const [l, t] of [...inclusiveByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${l}`);
