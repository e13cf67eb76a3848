// No broker runs here: in-process fakes stand in for the producers (as in kafka-audit-logger.test.js).
// One malformed or oversized decision must not take the other messages of its batch down.
import { expect } from 'chai';
import { KafkaAuditLogger } from '@audit-events/kafka';
import { createPermissionAuditEvent } from '@audit-events/core';
import { POISONS, batchWithPoison } from '../loggers/poison.js';

const VALID = Array.from({ length: 20 }, (_, i) => `n${i}`).filter((n) => n !== 'n7');
const LIMIT = 2_000;

/** A kafkajs producer whose broker refuses a whole send() when one message is over LIMIT bytes. */
class SizeLimitedKafkaJs {
  constructor() {
    this.sent = [];
    this.calls = 0;
  }
  async send(record) {
    this.calls++;
    if (record.messages.some((m) => Buffer.byteLength(m.value) > LIMIT)) {
      // What kafkajs throws for a broker's MESSAGE_TOO_LARGE (protocol error 10, not retriable).
      const err = new Error('The request included a message larger than the max message size the server will accept');
      err.name = 'KafkaJSProtocolError';
      err.type = 'MESSAGE_TOO_LARGE';
      err.code = 10;
      err.retriable = false;
      throw err;
    }
    this.sent.push(...record.messages);
  }
}

/** A node-rdkafka producer: produce() throws synchronously for a message over message.max.bytes. */
class SizeLimitedRdKafka {
  constructor() {
    this.queued = [];
    this.produceCalls = 0;
  }
  produce(topic, partition, value) {
    this.produceCalls++;
    if (value.length > LIMIT) {
      const err = new Error('Broker: Message size too large');
      err.code = 10; // RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
      throw err;
    }
    this.queued.push(value.toString('utf8'));
  }
  flush(timeout, callback) {
    setImmediate(() => callback(null));
  }
}

function big(i) {
  return createPermissionAuditEvent({
    action: 'update',
    granted: false,
    attributes: [`n${i}`],
    manager: 'Doc',
    metadata: { input: 'x'.repeat(LIMIT) },
  });
}

function small(i) {
  return createPermissionAuditEvent({ action: 'update', granted: true, attributes: [`n${i}`], manager: 'Doc' });
}

describe('KafkaAuditLogger: poison events', () => {
  for (const [what, spoil] of Object.entries(POISONS)) {
    it(`kafkajs: sends the 19 valid messages of a batch with ${what}`, async () => {
      const producer = new SizeLimitedKafkaJs();
      const errors = [];
      const logger = new KafkaAuditLogger(producer, {
        topic: 't',
        batchSize: 20,
        retryDelay: 1,
        flushOnExit: false,
        onError: (err, batch) => errors.push({ err, batch }),
      });
      for (const e of batchWithPoison(spoil)) logger.record(e);
      await logger.close();
      expect(producer.sent.map((m) => JSON.parse(m.value).attributes[0])).to.deep.equal(VALID);
      expect(producer.calls).to.equal(1);
      expect(logger.writtenCount).to.equal(19);
      expect(logger.failedCount).to.equal(1);
      expect(errors.map((e) => e.err.code)).to.deep.equal(['AUDIT_EVENT_REJECTED']);
    });
  }

  it('kafkajs: a message the broker refuses as too large is isolated; the other 19 are sent once, nothing retried', async () => {
    const producer = new SizeLimitedKafkaJs();
    const errors = [];
    const logger = new KafkaAuditLogger(producer, {
      topic: 't',
      batchSize: 20,
      maxRetries: 3,
      retryDelay: 60_000,
      flushOnExit: false,
      onError: (err, batch) => errors.push({ err, batch }),
    });
    for (let i = 0; i < 20; i++) logger.record(i === 7 ? big(i) : small(i));
    await logger.flush();
    const sent = producer.sent.map((m) => JSON.parse(m.value).attributes[0]);
    expect([...sent].sort()).to.deep.equal([...VALID].sort());
    expect(new Set(sent).size).to.equal(19, 'no message sent twice');
    expect(producer.calls).to.be.at.most(1 + 2 * Math.ceil(Math.log2(20)));
    expect(logger.failedCount).to.equal(1);
    expect(errors).to.have.length(1);
    expect(errors[0].err.code).to.equal('AUDIT_EVENT_REJECTED');
    expect(errors[0].err.cause.type).to.equal('MESSAGE_TOO_LARGE');
    expect(errors[0].batch.map((e) => e.attributes[0])).to.deep.equal(['n7']);
    await logger.close();
  });

  it('confluent-kafka: a message produce() refuses as too large is skipped; the others are produced once', async () => {
    const producer = new SizeLimitedRdKafka();
    const errors = [];
    const logger = new KafkaAuditLogger(producer, {
      topic: 't',
      batchSize: 20,
      maxRetries: 3,
      retryDelay: 60_000,
      flushOnExit: false,
      onError: (err, batch) => errors.push({ err, batch }),
    });
    for (let i = 0; i < 20; i++) logger.record(i === 7 ? big(i) : small(i));
    await logger.flush();
    expect(producer.queued.map((v) => JSON.parse(v).attributes[0])).to.deep.equal(VALID);
    expect(producer.produceCalls).to.equal(20);
    expect(logger.writtenCount).to.equal(19);
    expect(logger.failedCount).to.equal(1);
    expect(errors.map((e) => [e.err.code, e.batch[0].attributes[0]])).to.deep.equal([['AUDIT_EVENT_REJECTED', 'n7']]);
    await logger.close();
  });
});
