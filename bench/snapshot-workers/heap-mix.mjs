// The long-lived heap the snapshot generators share: an object-dense mix of class instances, arrays, strings with
// escapes and non-ASCII text, closures, a Map and a few Buffers, grown until the used heap reaches `targetHeap`.
// A snapshot file is about 1.8 x the used heap, so callers pass target file size / 1.8.
export function buildHeap(targetHeap) {
  class Order {
    constructor(i) {
      this.id = i;
      this.customer = `customer-${i % 5000}`;
      this.lines = [];
      this.total = 0;
    }
  }
  class Line {
    constructor(order, i) {
      this.order = order;
      this.sku = `sku-${i % 20000}`;
      this.qty = i % 7;
      this.price = i * 0.5;
    }
  }
  const keep = [];
  const index = new Map();
  let i = 0;
  while (process.memoryUsage().heapUsed < targetHeap) {
    for (let k = 0; k < 2000; k++, i++) {
      const order = new Order(i);
      for (let j = 0; j < 4; j++) order.lines.push(new Line(order, i * 4 + j));
      order.note = {
        text: `note ${i} \u00e9\u4e2d "quoted" \\ ${i % 13}`,
        tags: [`a${i % 50}`, `b${i % 30}`],
      };
      order.format = () => `${order.id}:${order.total}`;
      if (i % 97 === 0) order.blob = Buffer.alloc(256 + (i % 512), i % 256);
      index.set(`k${i}`, order);
      keep.push(order);
    }
  }
  globalThis.keep = keep;
  globalThis.index = index;
}
