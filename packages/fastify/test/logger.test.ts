import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { ramflowToolbar } from '../src/index.js';

describe('@ramflow/fastify logging', () => {
  it("logs through Fastify's logger when it has one", async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    await app.register(ramflowToolbar);
    await app.ready();
    await app.close();
    assert.ok(
      lines.some((line) => JSON.parse(line).msg.startsWith('memory backend "')),
      'the backend choice went through pino',
    );
  });

  it("falls back to ramflow's console logger when Fastify's logging is off", async (t) => {
    const info = t.mock.method(console, 'info', () => {});
    const app = Fastify();
    await app.register(ramflowToolbar);
    await app.ready();
    await app.close();
    assert.ok(
      info.mock.calls.some((call) => String(call.arguments[0]).startsWith('[ramflow] memory backend')),
    );
  });
});
