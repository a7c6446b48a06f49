import { defineAdapterConformanceSuite } from '@ramflow/core/testing';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { createKoaConformanceServer } from './conformance-app.js';

defineAdapterConformanceSuite({
  name: 'koa@3',
  createServer: (options) => createKoaConformanceServer(Koa3, options),
});

defineAdapterConformanceSuite({
  name: 'koa@2',
  createServer: (options) => createKoaConformanceServer(Koa2, options),
});
