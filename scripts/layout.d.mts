/** Types of scripts/layout.mjs, for the layout test. */
export type FolderGraph = Map<string, Map<string, Array<[string, string]>>>;
export function folderGraph(src: string): FolderGraph;
export function cycles(edges: FolderGraph): string[][];
