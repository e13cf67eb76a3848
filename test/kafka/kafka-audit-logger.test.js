// No broker runs here: in-process fakes stand in for a kafkajs producer and a confluent-kafka
// (node-rdkafka style) producer, recording exactly what the logger hands them.
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { KafkaAuditLogger } from '@audit-events/kafka';
import {
  ConfigurationError,
  configureAuditLogger,
  createPermissionAuditEvent,
  definePermission,
  serializeEvent,
} from '@audit-events/core';

// Not exported: the logger's own check of which producer API it was given.
const { producerStyle } = createRequire(import.meta.url)('../../packages/kafka/dist/cjs/producer.js');

function ev(manager, attribute, granted = true) {
  return createPermissionAuditEvent({
    action: 'update',
    manager,
    attributes: [attribute],
    granted,
    user: { id: 1, username: 'a' },
  });
}

class FakeKafkaJsProducer {
  constructor(failures = 0) {
    this.sent = [];
    this.failures = failures;
    this.calls = 0;
  }
  async send(record) {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('KafkaJSNumberOfRetriesExceeded');
    }
    this.sent.push(record);
    return [{ topicName: record.topic, partition: 0, errorCode: 0 }];
  }
}

class FakeConfluentProducer {
  constructor({ failOnCall = null } = {}) {
    this.queued = [];
    this.failOnCall = failOnCall;
    this.produceCalls = 0;
    this.flushes = 0;
  }
  produce(topic, partition, value, key, timestamp) {
    this.produceCalls++;
    if (this.produceCalls === this.failOnCall) {
      const err = new Error('Local: Queue full');
      err.code = -184;
      throw err;
    }
    this.queued.push({ topic, partition, value: value.toString('utf8'), key, timestamp });
  }
  flush(timeout, callback) {
    this.flushes++;
    setImmediate(() => callback(null));
  }
}

describe('KafkaAuditLogger', () => {
  afterEach(() => configureAuditLogger(null));

  it('detects the producer API', () => {
    expect(producerStyle(new FakeKafkaJsProducer())).to.equal('send');
    expect(producerStyle(new FakeConfluentProducer())).to.equal('produce');
    expect(producerStyle({})).to.equal(null);
  });

  it('kafkajs: one send() per batch, key = manager, value = the serialised event', async () => {
    const producer = new FakeKafkaJsProducer();
    const logger = new KafkaAuditLogger(producer, {
      topic: 'permission-events',
      batchSize: 10,
      flushOnExit: false,
      sendOptions: { acks: -1 },
    });
    const events = [ev('Project', 'a'), ev('Task', 'b', false), ev('Project', 'c')];
    for (const e of events) logger.record(e);
    await logger.flush();
    expect(producer.sent).to.have.length(1);
    const [record] = producer.sent;
    expect(record.topic).to.equal('permission-events');
    expect(record.acks).to.equal(-1);
    expect(record.messages.map((m) => m.key)).to.deep.equal(['Project', 'Task', 'Project']);
    expect(record.messages.map((m) => JSON.parse(m.value))).to.deep.equal(events.map((e) => serializeEvent(e)));
    expect(record.messages[0].headers).to.deep.equal({ 'content-type': 'application/json' });
    expect(record.messages[0].timestamp).to.equal(String(events[0].timestamp.getTime()));
    await logger.close();
  });

  it('kafkajs: a failing send is retried, and after maxRetries reported to onError and counted', async () => {
    const flaky = new FakeKafkaJsProducer(2);
    const retried = new KafkaAuditLogger(flaky, { topic: 't', retryDelay: 1, maxRetries: 3, flushOnExit: false });
    retried.record(ev('Project', 'a'));
    await retried.flush();
    expect(flaky.calls).to.equal(3);
    expect(flaky.sent).to.have.length(1);
    expect(retried.failedCount).to.equal(0);

    const dead = new FakeKafkaJsProducer(Infinity);
    const errors = [];
    const failing = new KafkaAuditLogger(dead, {
      topic: 't',
      retryDelay: 1,
      maxRetries: 2,
      flushOnExit: false,
      onError: (err, batch) => errors.push({ err, batch }),
    });
    failing.record(ev('Project', 'a'));
    failing.record(ev('Project', 'b'));
    await failing.flush();
    expect(dead.calls).to.equal(3);
    expect(failing.failedCount).to.equal(2);
    expect(errors).to.have.length(1);
    expect(errors[0].err.code).to.equal('AUDIT_LOGGER_WRITE_FAILED');
    expect(errors[0].err.cause.message).to.equal('KafkaJSNumberOfRetriesExceeded');
    expect(errors[0].batch).to.have.length(2);
    // The logger is still alive: a later batch goes out once the broker is back.
    dead.failures = 0;
    failing.record(ev('Project', 'c'));
    await failing.flush();
    expect(dead.sent.flatMap((r) => r.messages.map((m) => JSON.parse(m.value).attributes[0]))).to.deep.equal(['c']);
  });

  it('confluent-kafka: produce(topic, null, value, key, timestamp) per event, then flush()', async () => {
    const producer = new FakeConfluentProducer();
    const logger = new KafkaAuditLogger(producer, { topic: 'perm', flushOnExit: false });
    logger.record(ev('Invoice', 'amount', false));
    logger.record(ev('Invoice', 'status'));
    await logger.flush();
    expect(producer.queued.map((m) => [m.topic, m.partition, m.key, JSON.parse(m.value).attributes[0]])).to.deep.equal([
      ['perm', null, 'Invoice', 'amount'],
      ['perm', null, 'Invoice', 'status'],
    ]);
    expect(producer.flushes).to.equal(1);
  });

  it('confluent-kafka: a retry after a half-produced batch does not produce the first half twice', async () => {
    const producer = new FakeConfluentProducer({ failOnCall: 3 });
    const logger = new KafkaAuditLogger(producer, { topic: 'perm', retryDelay: 1, flushOnExit: false });
    for (const name of ['a', 'b', 'c', 'd']) logger.record(ev('Doc', name));
    await logger.flush();
    expect(producer.queued.map((m) => JSON.parse(m.value).attributes[0])).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(logger.writtenCount).to.equal(4);
    expect(logger.failedCount).to.equal(0);
  });

  it('carries permission checks end to end', async () => {
    const producer = new FakeKafkaJsProducer();
    const logger = new KafkaAuditLogger(producer, { topic: 'perm', sync: true, flushOnExit: false });
    configureAuditLogger(logger);
    const Doc = definePermission({ manager: 'Doc', update: ['isAdmin'] });
    await Doc.checkUpdate({}, { title: 'x' }, { user: { id: 5, isAdmin: true } });
    await logger.flush();
    const [message] = producer.sent[0].messages;
    expect(message.key).to.equal('Doc');
    expect(JSON.parse(message.value)).to.include({ action: 'update', granted: true, user_id: '5' });
  });

  it('rejects a producer without send/produce and a missing topic', () => {
    expect(() => new KafkaAuditLogger({ write() {} }, { topic: 't', flushOnExit: false })).to.throw(
      ConfigurationError,
      /send|produce/,
    );
    expect(() => new KafkaAuditLogger(new FakeKafkaJsProducer(), { flushOnExit: false })).to.throw(
      ConfigurationError,
      /topic/,
    );
  });
});
