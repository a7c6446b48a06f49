import { assetRoutes } from './assets.js';
import { compareRoutes } from './compare.js';
import { heapRoutes } from './heap.js';
import { historyRoutes } from './history.js';
import { processRoutes } from './process.js';
import { profileRoutes } from './profile.js';
import { requestRoutes } from './requests.js';
import type { Route } from './route.js';

/** Every route of the dashboard, below `basePath`. Patterns are anchored, so the order does not matter. */
export const ROUTES: readonly Route[] = [
  ...assetRoutes,
  ...historyRoutes,
  ...compareRoutes,
  ...processRoutes,
  ...requestRoutes,
  ...profileRoutes,
  ...heapRoutes,
];
