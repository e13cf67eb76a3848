// What the middleware captures from the request, option by option, identical on every framework:
// defaults, includeQueryParams, includePostData, maskPostFields, replaceDefaultMaskedFields,
// includeHeaders and maxBodyBytes. Masking is checked at depth and in every body encoding.
import { expect } from 'chai';
import request from 'supertest';
import { MASK, MemoryEventStore } from '@audit-events/core';

const order = { type: 'order', id: 7 };

/** A handler that stores one event and answers it with the context it came from. */
function recordingHandler() {
  return async ({ audit }) => ({ event: await audit.createEvent(order), context: audit.toJSON() });
}

export function captureOptionsSuite(adapter) {
  describe(`${adapter.name}: what the middleware captures`, () => {
    let store;
    beforeEach(() => {
      store = new MemoryEventStore();
    });

    it('by default stores method, absolute URL, path, IP, user agent and request id, but no query, body or headers', async () => {
      const app = adapter.build({ audit: { store }, parsers: ['json'], handler: recordingHandler() });
      const res = await request(app)
        .post('/orders/7?source=web')
        .set('User-Agent', 'audit-test/1.0')
        .set('X-Team', 'blue')
        .send({ total: 10 })
        .expect(200);
      const [event] = store.all();
      expect(store.size).to.equal(1);
      expect(event).to.include({
        contentType: 'order',
        objectId: '7',
        method: 'POST',
        ip: '127.0.0.1',
        userAgent: 'audit-test/1.0',
        queryParams: null,
        postData: null,
        headers: null,
        userId: null,
        userRepr: null,
      });
      expect(event.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/orders\/7\?source=web$/);
      expect(event.requestId).to.match(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-request-id']).to.equal(event.requestId);
      expect(res.body.event.id).to.equal(event.id);
      expect(res.body.context.path).to.equal('/orders/7');
    });

    it('includeQueryParams captures the query string, masking sensitive keys at any depth', async () => {
      const app = adapter.build({ audit: { store, includeQueryParams: true }, handler: recordingHandler() });
      await request(app)
        .get('/search')
        .query('q=shoes&Access_Token=abc123&filter[apiKey]=k-999&filter[color]=red')
        .expect(200);
      const [event] = store.all();
      expect(event.queryParams.q).to.equal('shoes');
      expect(event.queryParams.Access_Token).to.equal(MASK);
      const text = JSON.stringify(event.queryParams);
      expect(text).to.not.include('abc123');
      expect(text).to.not.include('k-999');
      expect(text).to.include('red');
      // The URL carries the same query string: it must be masked there too.
      expect(event.url).to.not.include('abc123');
      expect(event.url).to.not.include('k-999');
      expect(event.url).to.include(`Access_Token=${MASK}`);
      expect(event.url).to.include('q=shoes');
    });

    it('masks secrets in the URL even when query params are not captured', async () => {
      const app = adapter.build({ audit: { store }, handler: recordingHandler() });
      await request(app).get('/reset?password=hunter2&user%5Bsecret%5D=s3&page=2').expect(200);
      const [event] = store.all();
      expect(event.queryParams).to.equal(null);
      expect(event.url).to.not.include('hunter2');
      expect(event.url).to.not.include('=s3');
      expect(event.url).to.include('page=2');
    });

    it('includePostData captures a JSON body with secrets masked case-insensitively at any depth', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true },
        parsers: ['json'],
        handler: recordingHandler(),
      });
      await request(app)
        .post('/users')
        .send({
          name: 'ada',
          PassWord: 'p1',
          profile: { contact: { email: 'a@x', API_KEY: 'k1' } },
          cards: [{ creditCardNumber: '4111111111111111', CVV: '123', label: 'main' }],
          shipping: 'express',
        })
        .expect(200);
      const [event] = store.all();
      expect(event.postData).to.deep.equal({
        name: 'ada',
        PassWord: MASK,
        profile: { contact: { email: 'a@x', API_KEY: MASK } },
        cards: [{ creditCardNumber: MASK, CVV: MASK, label: 'main' }],
        shipping: 'express',
      });
    });

    it('includePostData masks urlencoded (extended) fields at depth', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true },
        parsers: ['urlencoded'],
        handler: recordingHandler(),
      });
      await request(app)
        .post('/login')
        .type('form')
        .send('user[name]=ada&user[password]=hunter2&remember=1&Secret_Answer=blue')
        .expect(200);
      const [event] = store.all();
      expect(event.postData).to.deep.equal({
        user: { name: 'ada', password: MASK },
        remember: '1',
        Secret_Answer: MASK,
      });
    });

    it('includePostData masks multipart fields at depth', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true },
        parsers: ['multipart'],
        handler: recordingHandler(),
      });
      await request(app)
        .post('/upload')
        .field('title', 'report')
        .field('owner[token]', 'tok-1')
        .field('PIN', '0000')
        .attach('file', Buffer.from('hello'), 'hello.txt')
        .expect(200);
      const [event] = store.all();
      expect(event.postData).to.deep.equal({ title: 'report', owner: { token: MASK }, PIN: MASK });
    });

    it('maskPostFields adds names to the default list', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true, maskPostFields: ['iban'] },
        parsers: ['json'],
        handler: recordingHandler(),
      });
      await request(app).post('/pay').send({ IBAN: 'DE00', password: 'p', amount: 5 }).expect(200);
      expect(store.all()[0].postData).to.deep.equal({ IBAN: MASK, password: MASK, amount: 5 });
    });

    it('replaceDefaultMaskedFields uses only the names given', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true, maskPostFields: ['iban'], replaceDefaultMaskedFields: true },
        parsers: ['json'],
        handler: recordingHandler(),
      });
      await request(app).post('/pay').send({ iban: 'DE00', password: 'visible-by-choice' }).expect(200);
      expect(store.all()[0].postData).to.deep.equal({ iban: MASK, password: 'visible-by-choice' });
    });

    it('includeHeaders captures the listed headers only, under lower-case names, credentials always masked', async () => {
      const app = adapter.build({
        audit: {
          store,
          includeHeaders: [
            'X-Team',
            'authorization',
            'Cookie',
            'proxy-authorization',
            'set-cookie',
            'x-api-key',
            'x-absent',
          ],
        },
        handler: recordingHandler(),
      });
      await request(app)
        .get('/h')
        .set('X-Team', 'blue')
        .set('X-Other', 'not-listed')
        .set('Authorization', 'Bearer secret-token')
        .set('Cookie', 'sid=abc')
        .set('Proxy-Authorization', 'Basic Zm9vOmJhcg==')
        .set('Set-Cookie', 'a=b')
        .set('X-Api-Key', 'key-1')
        .expect(200);
      expect(store.all()[0].headers).to.deep.equal({
        'x-team': 'blue',
        authorization: MASK,
        cookie: MASK,
        'proxy-authorization': MASK,
        'set-cookie': MASK,
        'x-api-key': MASK,
      });
    });

    it('maxBodyBytes replaces an oversized body by a truncation marker whose preview is already masked', async () => {
      const app = adapter.build({
        audit: { store, includePostData: true, maxBodyBytes: 1024 },
        parsers: ['json'],
        handler: recordingHandler(),
      });
      await request(app)
        .post('/big')
        .send({ password: 'top-secret', blob: 'x'.repeat(5000) })
        .expect(200);
      const { postData } = store.all()[0];
      expect(postData._truncated).to.equal(true);
      expect(postData.limitBytes).to.equal(1024);
      expect(postData.originalBytes).to.be.greaterThan(5000);
      expect(postData.preview.length).to.be.at.most(256);
      expect(postData.preview).to.include(MASK);
      expect(JSON.stringify(postData)).to.not.include('top-secret');
    });
  });
}
