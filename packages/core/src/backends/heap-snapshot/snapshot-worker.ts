/**
 * The heap-snapshot worker: takes V8 heap snapshots of the main thread through an inspector session connected to
 * it, and parses and diffs them here, so the app's heap and event loop see only the snapshot itself (V8 blocks the
 * main thread while it serializes). Snapshot chunks stream straight into the parser (never one big string) and,
 * when downloads are allowed, into a file. Started by HeapSnapshotService; speaks the protocol in
 * snapshot-protocol.ts.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { diffNewObjects } from './heap-diff.js';
import { HeapSnapshotIdScanner } from './id-scanner.js';
import { HeapSnapshotParser } from './parser.js';
import type { WorkerReply, WorkerRequest } from './snapshot-protocol.js';

interface ChunkSink {
  write(chunk: string): void;
}

const port = parentPort;
if (port === null) throw new Error('snapshot-worker.ts must run in a worker thread');

let sink: ChunkSink | undefined;
/**
 * The inspector session with the main thread: connected for a request's before snapshot, disconnected once its
 * after snapshot is taken (or the window is released). A session left connected makes the process print "Waiting
 * for the debugger to disconnect..." at exit, and keeps V8's map of heap object ids (an entry per object) alive.
 * Disconnecting clears the ids (V8's heap profiler agent does on disable), so a request's two snapshots must
 * share one session: the ids of the after snapshot are compared with the before one's.
 */
let session: Session | undefined;

function connected(): Session {
  if (session === undefined) {
    const fresh = new Session();
    fresh.connectToMainThread();
    fresh.on('HeapProfiler.addHeapSnapshotChunk', (message) => {
      sink?.write((message.params as { chunk: string }).chunk);
    });
    session = fresh;
  }
  return session;
}

function disconnect(): void {
  const current = session;
  session = undefined;
  current?.disconnect();
}

function reply(message: WorkerReply): void {
  port?.postMessage(message);
}

/** Takes one snapshot of the main thread, handing its chunks to `consume` and, optionally, to a file. */
function takeSnapshot(
  consume: (chunk: string) => void,
  file: string | undefined,
): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    let fd: number | undefined;
    let bytes = 0;
    let failure: unknown;
    try {
      if (file !== undefined) fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      reject(error);
      return;
    }
    sink = {
      write(chunk) {
        if (failure !== undefined) return;
        try {
          bytes += Buffer.byteLength(chunk);
          if (fd !== undefined) writeSync(fd, chunk);
          consume(chunk);
        } catch (error) {
          failure = error;
        }
      },
    };
    const began = performance.now();
    connected().post(
      'HeapProfiler.takeHeapSnapshot',
      { reportProgress: false, captureNumericValue: false, exposeInternals: false },
      (error) => {
        sink = undefined;
        const ms = performance.now() - began;
        if (fd !== undefined) closeSync(fd);
        if (error !== null) reject(error);
        else if (failure !== undefined) reject(failure);
        else resolve({ ms, bytes });
      },
    );
  });
}

async function handle(request: WorkerRequest): Promise<void> {
  const { id } = request;
  if (request.op === 'release') {
    disconnect();
    return;
  }
  if (request.op === 'before') {
    const scanner = new HeapSnapshotIdScanner();
    const taken = await takeSnapshot((chunk) => scanner.write(chunk), request.file);
    const { maxJsObjectId } = scanner.end();
    reply({ op: 'before', id, ms: taken.ms, bytes: taken.bytes, maxJsObjectId });
    return;
  }
  const parser = new HeapSnapshotParser();
  const taken = await takeSnapshot((chunk) => parser.write(chunk), request.file);
  disconnect();
  reply({ op: 'taken', id, ms: taken.ms, bytes: taken.bytes });
  const began = performance.now();
  const graph = parser.end();
  const diff = diffNewObjects(graph, request.beforeMaxJsObjectId, {
    ownCode: request.ownCode,
    appView: true,
  });
  reply({
    op: 'after',
    id,
    diff,
    nodes: graph.nodeCount,
    edges: graph.edgeCount,
    analysisMs: performance.now() - began,
  });
}

// One request at a time, in arrival order: snapshots must not interleave.
let queue = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() =>
    handle(request).catch((error: unknown) => {
      sink = undefined;
      // A failed before snapshot opens no window, and a failed after snapshot ends it.
      disconnect();
      if (request.op === 'release') return;
      reply({
        op: 'error',
        id: request.id,
        stage: request.op,
        message: error instanceof Error ? error.message : String(error),
      });
    }),
  );
});
