import {
  createInbox,
  headers as natsHeaders,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { EXPECTED_STREAM_HEADER, KIND_HEADER, MSG_ID_HEADER, type MessageKind } from './headers.js';
import { AckConnectionError, AckTimeoutError, NoStreamError, StreamRefusedError } from './publish-errors.js';

/** One message for the stream: its message id makes a second publish within the duplicate window a no-op. */
export interface OutgoingMessage {
  subject: string;
  data: Uint8Array;
  id: string;
  kind: MessageKind;
}

/** What became of one batch: `errors[i]` is undefined for each acknowledged message. */
export interface BatchOutcome {
  acked: number;
  duplicates: number;
  errors: Array<Error | undefined>;
  firstError: Error | undefined;
}

class Batch {
  readonly keys: string[] = [];
  readonly errors: Array<Error | undefined>;
  acked = 0;
  duplicates = 0;
  firstError: Error | undefined;
  timer: NodeJS.Timeout | undefined;
  #open: number;
  readonly #done: (outcome: BatchOutcome) => void;

  constructor(size: number, done: (outcome: BatchOutcome) => void) {
    this.errors = new Array<Error | undefined>(size).fill(undefined);
    this.#open = size;
    this.#done = done;
  }

  get settled(): boolean {
    return this.#open === 0;
  }

  settle(index: number, error: Error | undefined, duplicate = false): void {
    if (error === undefined) {
      this.acked++;
      if (duplicate) this.duplicates++;
    } else {
      this.errors[index] = error;
      this.firstError ??= error;
    }
    if (--this.#open > 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.#done({ acked: this.acked, duplicates: this.duplicates, errors: this.errors, firstError: this.firstError });
  }
}

const decoder = new TextDecoder();

/** JetStream's answer to a publish: `{ stream, seq, duplicate? }` or `{ error: { code, err_code, description } }`. */
interface PubAck {
  stream?: unknown;
  duplicate?: unknown;
  error?: { code?: number; err_code?: number; description?: string } | null;
}

/**
 * Publishes to JetStream with one reply subscription for every ack and one timer per batch.
 *
 * Why not `js.publish()`: it is a request per message (a muxed inbox entry, a timer, a promise, a
 * headers copy, a decoded ack), about twice the client CPU of a plain publish with a reply subject
 * here, and it is on the request path of every audited request. The stream's answers are the same:
 * `Nats-Expected-Stream` makes the server refuse a message another stream would take, and a 503
 * status means no stream listens on the subject.
 */
export class AckPipeline {
  readonly #nc: NatsConnection;
  readonly #stream: string;
  readonly #waiting = new Map<string, { batch: Batch; index: number }>();
  #inbox = '';
  #sub: Subscription | null = null;
  #next = 0;
  #closed = false;

  constructor(nc: NatsConnection, stream: string) {
    this.#nc = nc;
    this.#stream = stream;
  }

  /** Publishes every message at once; resolves (never rejects) when each is acked, refused or timed out. */
  publish(messages: readonly OutgoingMessage[], timeoutMs: number): Promise<BatchOutcome> {
    return new Promise((resolve) => {
      if (messages.length === 0) {
        resolve({ acked: 0, duplicates: 0, errors: [], firstError: undefined });
        return;
      }
      const batch = new Batch(messages.length, resolve);
      let inbox: string;
      try {
        inbox = this.#subscribed();
      } catch (err) {
        const error = err instanceof Error ? err : new AckConnectionError(String(err));
        for (let i = 0; i < messages.length; i++) batch.settle(i, error);
        return;
      }
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as OutgoingMessage;
        const key = (this.#next++).toString(36);
        const h = natsHeaders();
        h.set(KIND_HEADER, m.kind);
        h.set(MSG_ID_HEADER, m.id);
        h.set(EXPECTED_STREAM_HEADER, this.#stream);
        this.#waiting.set(key, { batch, index: i });
        batch.keys.push(key);
        try {
          this.#nc.publish(m.subject, m.data, { reply: inbox + key, headers: h });
        } catch (err) {
          // Too large, a closed connection: nothing was sent for this one.
          this.#waiting.delete(key);
          batch.settle(i, err instanceof Error ? err : new AckConnectionError(String(err)));
        }
      }
      if (!batch.settled) batch.timer = setTimeout(() => this.#expire(batch, timeoutMs), timeoutMs);
    });
  }

  /** Stops listening for acks; call once nothing waits. */
  close(): void {
    this.#closed = true;
    this.#failAll(new AckConnectionError('the publisher was closed before the stream acknowledged'));
    if (this.#sub !== null && !this.#nc.isClosed()) this.#sub.unsubscribe();
    this.#sub = null;
  }

  #subscribed(): string {
    if (this.#sub !== null) return this.#inbox;
    if (this.#closed) throw new AckConnectionError('the publisher is closed');
    // The connection's own inbox prefix, where an account's permissions allow replies.
    const prefix = (this.#nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
    this.#inbox = `${createInbox(prefix)}.`;
    const sub = this.#nc.subscribe(`${this.#inbox}*`, {
      callback: (err, msg) => {
        if (err === null) {
          this.#onAck(msg);
          return;
        }
        // A refused subscription (permissions): the next batch subscribes afresh.
        if (this.#sub === sub) this.#sub = null;
        if (!this.#nc.isClosed()) sub.unsubscribe();
        this.#failAll(new AckConnectionError(`the ack subscription failed: ${err.message}`, err));
      },
    });
    this.#sub = sub;
    void sub.closed.then((reason) => {
      if (this.#sub === sub) this.#sub = null;
      const why = reason instanceof Error ? `: ${reason.message}` : '';
      this.#failAll(new AckConnectionError(`the connection closed before the stream acknowledged${why}`, reason));
    });
    return this.#inbox;
  }

  #onAck(msg: Msg): void {
    const key = msg.subject.slice(this.#inbox.length);
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) return; // an ack after its batch timed out
    this.#waiting.delete(key);
    const { error, duplicate } = this.#readAck(msg);
    waiting.batch.settle(waiting.index, error, duplicate);
  }

  #readAck(msg: Msg): { error: Error | undefined; duplicate: boolean } {
    const status = msg.headers?.code ?? 0;
    if (status === 503) return { error: new NoStreamError(), duplicate: false };
    if (status >= 400) {
      const text = msg.headers?.description ?? '';
      return { error: new AckConnectionError(`NATS answered ${status} ${text}`.trim()), duplicate: false };
    }
    let ack: PubAck;
    try {
      ack = JSON.parse(decoder.decode(msg.data)) as PubAck;
    } catch {
      return { error: new AckConnectionError('the stream answered with an unreadable ack'), duplicate: false };
    }
    if (ack.error !== undefined && ack.error !== null) {
      return {
        error: new StreamRefusedError(ack.error.description ?? 'refused', ack.error.err_code),
        duplicate: false,
      };
    }
    if (ack.stream !== this.#stream) {
      const who = typeof ack.stream === 'string' ? `stream ${ack.stream}` : 'no stream';
      return { error: new AckConnectionError(`acknowledged by ${who}, expected ${this.#stream}`), duplicate: false };
    }
    return { error: undefined, duplicate: ack.duplicate === true };
  }

  #expire(batch: Batch, timeoutMs: number): void {
    batch.timer = undefined;
    for (let i = 0; i < batch.keys.length; i++) {
      const key = batch.keys[i] as string;
      if (this.#waiting.delete(key)) batch.settle(i, new AckTimeoutError(timeoutMs));
    }
  }

  #failAll(error: Error): void {
    const all = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const { batch, index } of all) batch.settle(index, error);
  }
}
