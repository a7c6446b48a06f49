// Fastify 4 is installed under the npm alias `fastify4` for the version matrix. The tests drive it through
// Fastify 5's types (the API they use is the same); this ambient module wins over the package's own typings.
declare module 'fastify4' {
  import fastify from 'fastify';
  export default fastify;
}
