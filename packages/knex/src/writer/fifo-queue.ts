/**
 * First in, first out, with an O(1) shift. `Array#shift` moves every remaining element, so a
 * burst of N queued saves drained a batch at a time cost O(N²): 20 000 concurrent saves spent a
 * quarter of the writer's time in shift(). The consumed prefix is dropped once it is at least half
 * of the array, which keeps every operation amortised O(1).
 */
export class FifoQueue<T> {
  #items: Array<T | undefined> = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, left in the queue. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // no reference kept to a write that left the queue
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
