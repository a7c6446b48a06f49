/** Why a record has no allocation stacks or no heap diff: the reasons behind `n/a: …` on the compare page. */
import type { RequestRecord } from '../../types.js';

export function noAllocations(record: RequestRecord): string {
  return stripStop(
    record.allocationsUnavailable ??
      `the sampling backend did not run for it (backend ${record.backend.name})`,
  );
}

export function noHeap(record: RequestRecord): string {
  return stripStop(
    record.heapUnavailable ?? 'no heap snapshots were taken for it (ask with ?ramflow=snapshot)',
  );
}

function stripStop(text: string): string {
  return text.trim().replace(/\.$/, '');
}
