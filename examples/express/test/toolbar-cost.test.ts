/**
 * The toolbar's own cost is not the page's (issue 15 item 2): the same tiny page reports the same allocated bytes
 * with the toolbar injected and without it (±5%). Rendering and splicing the toolbar, installing the body
 * interception and formatting the headers are ramflow's own work, measured apart (`ramflowAllocatedBytes`); so are
 * the result objects of ramflow's own heap readings. The apps run in child processes and the client is this one,
 * as a browser would be: a client in the server's process reads the bigger body inside the server's window.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import type { RequestRecord } from '@ramflow/core';

const APP = `
import express from 'express';
import { ramflow } from '@ramflow/express';
const PAGE = '<!doctype html><html><head><title>tiny</title></head><body><p>a tiny page</p></body></html>';
const app = express();
app.use(ramflow({ memoryBackend: 'process', toolbar: process.env.TOOLBAR === 'on', historySize: 200 }));
app.get('/page', (_req, res) => { res.type('html').send(PAGE); });
const server = app.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const children: ChildProcess[] = [];

async function startApp(toolbar: 'on' | 'off'): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', APP], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, TOOLBAR: toolbar, NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      const match = /port (\d+)/.exec(String(data));
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}`)));
  });
  return `http://127.0.0.1:${port}`;
}

/** Records of `runs` page loads after a warm-up, read over HTTP once settled. */
async function pageRecords(base: string, runs: number): Promise<RequestRecord[]> {
  const load = async () => {
    const response = await fetch(`${base}/page`, { headers: { accept: 'text/html' } });
    await response.text();
    return response.headers.get('x-ramflow-id') as string;
  };
  for (let i = 0; i < 20; i++) await load();
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) ids.push(await load());
  const records: RequestRecord[] = [];
  for (const id of ids) {
    for (;;) {
      const answer = await fetch(`${base}/__ramflow/api/requests/${id}`);
      if (answer.ok) {
        records.push((await answer.json()) as RequestRecord);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return records;
}

/** The lower quartile: the route's steady cost, without the windows a timer or a collection's bookkeeping joined. */
function lowerQuartile(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 4)] as number;
}

describe("the toolbar's cost", () => {
  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('the same page reports the same allocated bytes with and without the toolbar (±5%)', async () => {
    const [withToolbar, without] = await Promise.all([startApp('on'), startApp('off')]);
    const on = await pageRecords(withToolbar, 40);
    const off = await pageRecords(without, 40);
    assert.ok(on.every((record) => record.response.injected));
    assert.ok(off.every((record) => !record.response.injected));
    const own = lowerQuartile(on.map((record) => record.memory.ramflowAllocatedBytes ?? 0));
    assert.ok(own > 10_000, `the toolbar's own work is reported apart (${own} B)`);
    const onBytes = lowerQuartile(on.map((record) => record.memory.allocatedBytes ?? Number.NaN));
    const offBytes = lowerQuartile(off.map((record) => record.memory.allocatedBytes ?? Number.NaN));
    assert.ok(
      Math.abs(onBytes - offBytes) <= offBytes * 0.05,
      `with the toolbar ${onBytes} B, without ${offBytes} B (ramflow's own: ${own} B)`,
    );
  });
});
