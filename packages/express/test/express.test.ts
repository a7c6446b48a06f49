import { defineAdapterConformanceSuite } from '@ramflow/core/testing';
import express5 from 'express';
import express4 from 'express4';
import { createExpressConformanceServer } from './conformance-app.js';

defineAdapterConformanceSuite({
  name: 'express@5',
  createServer: (options) => createExpressConformanceServer(express5, options),
});

defineAdapterConformanceSuite({
  name: 'express@4',
  createServer: (options) => createExpressConformanceServer(express4 as unknown as typeof express5, options),
});
