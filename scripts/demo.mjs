// `npm run demo -- [framework]`: serves an example app (Express by default) on http://127.0.0.1:3000.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const framework = process.argv[2] ?? 'express';
const entry = new URL(`../examples/${framework}/src/server.ts`, import.meta.url).pathname;
if (!existsSync(entry)) {
  console.error(`No example for "${framework}". Try: npm run demo -- express`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
