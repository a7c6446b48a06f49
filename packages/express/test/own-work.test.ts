/**
 * ramflow never counts itself: rendering and injecting the toolbar and formatting its headers happen inside the
 * request's window, and are left out of its allocation, its raw heap delta and its allocation profile.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RequestRecord } from '@ramflow/core';
import { type ConformanceServer, rawRequest, serveOnLoopback } from '@ramflow/core/testing';
import express from 'express';
import { type RamflowMiddleware, ramflow } from '../src/index.js';

const PAGE = '<!doctype html><html><head><title>tiny</title></head><body><p>a tiny page</p></body></html>';

async function pageServer(
  options: Parameters<typeof ramflow>[0],
): Promise<ConformanceServer & { mw: RamflowMiddleware }> {
  const app = express();
  const mw = ramflow({ historySize: 500, adaptiveSampling: false, ...options });
  app.use(mw);
  app.get('/page', (_req, res) => {
    res.type('html').send(PAGE);
  });
  return { ...(await serveOnLoopback(app, () => mw.ramflow.close())), mw };
}

/** Records of `runs` page loads after a warm-up. */
async function pageRecords(
  server: Awaited<ReturnType<typeof pageServer>>,
  runs: number,
): Promise<RequestRecord[]> {
  for (let i = 0; i < 10; i++)
    await rawRequest(server.baseUrl, '/page', { headers: { accept: 'text/html' } });
  const ids: string[] = [];
  for (let i = 0; i < runs; i++)
    ids.push(
      (await rawRequest(server.baseUrl, '/page', { headers: { accept: 'text/html' } })).headers[
        'x-ramflow-id'
      ] as string,
    );
  await server.mw.ramflow.flush();
  return (await Promise.all(ids.map((id) => server.mw.ramflow.store.get(id)))) as RequestRecord[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe("ramflow's own work is not the page's", () => {
  const servers: ConformanceServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  for (const memoryBackend of ['process', 'sampling'] as const) {
    it(`${memoryBackend}: the toolbar's rendering is reported apart and left out of the page's allocation`, async () => {
      const withToolbar = await pageServer({ memoryBackend });
      const without = await pageServer({ memoryBackend, toolbar: false });
      servers.push(withToolbar, without);
      const on = await pageRecords(withToolbar, 40);
      const off = await pageRecords(without, 40);
      assert.ok(on.every((record) => record.response.injected));
      const own = median(on.map((record) => record.memory.ramflowAllocatedBytes ?? 0));
      assert.ok(own > 10_000, `the toolbar's own allocation is reported (median ${own} B)`);
      const onBytes = median(on.map((record) => record.memory.allocatedBytes ?? Number.NaN));
      const offBytes = median(off.map((record) => record.memory.allocatedBytes ?? Number.NaN));
      // What is left is Node writing the toolbar's bytes to the socket (~1.5x their size), not ramflow's work.
      assert.ok(
        Math.abs(onBytes - offBytes) < own / 2,
        `with the toolbar ${onBytes} B, without ${offBytes} B: the difference is not ramflow's ${own} B`,
      );
      if (memoryBackend === 'sampling') {
        for (const record of on) {
          const frames = record.allocations?.frames ?? [];
          for (const frame of frames) {
            assert.ok(
              !frame.url.includes('/node_modules/handlebars/'),
              `${frame.name}: the template engine is ramflow's own work`,
            );
            if (frame.url.includes('/node_modules/on-headers/'))
              assert.equal(frame.kind, 'ramflow', frame.name);
          }
        }
      }
    });
  }
});
