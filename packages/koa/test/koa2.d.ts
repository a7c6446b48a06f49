// Koa 2 is installed under the npm alias `koa2` for the version matrix; the adapter type-checks against Koa 3's
// types, and Koa 2's runtime API matches them for everything used here.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
