// Child of bench/snapshot-parse.mjs: writes a "before" and an "after" heap snapshot of one process, with a
// request-like batch of new, still-live objects allocated between the two.
//
//   node --max-old-space-size=8192 bench/snapshot-workers/make-pair.mjs <target MB> <before path> <after path>
//
// The long-lived heap is heap-mix.mjs's (the same as bench/make-snapshot.mjs); a snapshot file is about 1.8 x the
// used heap, so it grows to target / 1.8 first.
import { writeHeapSnapshot } from 'node:v8';
import { buildHeap } from './heap-mix.mjs';

const [targetMb, beforePath, afterPath] = process.argv.slice(2);
const targetHeap = Math.round((Number(targetMb) * 1024 * 1024) / 1.8);

buildHeap(targetHeap);
writeHeapSnapshot(beforePath);

// The "request": a few thousand objects of a few shapes that stay reachable after it.
class ReportSession {
  constructor(i) {
    this.token = `session-${i}-${(i * 2654435761) % 4294967296}`;
    this.rows = [];
    this.startedAt = Date.now() + i;
  }
}
class ReportRow {
  constructor(session, i) {
    this.session = session;
    this.label = `row ${i} of ${session.token}`;
    this.values = [i, i * 2, i * 3, i % 11];
    this.flags = { seen: i % 2 === 0, rank: i % 17 };
  }
}
class Attachment {
  constructor(i) {
    this.name = `attachment-${i}.bin`;
    this.data = Buffer.alloc(2048 + (i % 8) * 512, i % 251);
  }
}
const sessions = [];
const attachments = [];
for (let s = 0; s < 250; s++) {
  const session = new ReportSession(s);
  for (let r = 0; r < 20; r++) session.rows.push(new ReportRow(session, s * 20 + r));
  sessions.push(session);
}
for (let a = 0; a < 300; a++) attachments.push(new Attachment(a));
globalThis.requestResult = { sessions, attachments, byToken: new Map(sessions.map((s) => [s.token, s])) };
writeHeapSnapshot(afterPath);
