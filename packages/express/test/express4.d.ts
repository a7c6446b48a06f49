// Express 4 is installed under the npm alias `express4` for the version matrix; its API matches these types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
