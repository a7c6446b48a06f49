import { defineAdapterConformanceSuite } from '@ramflow/core/testing';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { createFastifyConformanceServer } from './conformance-app.js';

defineAdapterConformanceSuite({
  name: 'fastify@5',
  createServer: (options) => createFastifyConformanceServer(fastify5, options),
});

defineAdapterConformanceSuite({
  name: 'fastify@4',
  createServer: (options) => createFastifyConformanceServer(fastify4, options),
});
