/**
 * The broker's nodes as the transport takes them (src/transport/amqpUrls.ts): a list parsed
 * from AMQP_URL or repeated --amqp-url, each URL turned into the fields amqplib connects with.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { connectFields, parseAmqpUrls, safeUrl } from '../../src/transport/amqpUrls.ts';

/** A URL-safe word: the pieces the generated URLs are made of. */
const word = fc.stringMatching(/^[a-z0-9]{1,12}$/);
const node = fc.record({
  protocol: fc.constantFrom('amqp', 'amqps'),
  host: fc.oneof(word, fc.constant('127.0.0.1'), fc.constant('[::1]')),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  user: fc.option(word, { nil: undefined }),
  vhost: fc.option(word, { nil: undefined }),
});
const urlOf = (n: { protocol: string; host: string; port: number | undefined; user: string | undefined; vhost: string | undefined }) =>
  `${n.protocol}://${n.user ? `${n.user}:secret@` : ''}${n.host}${n.port ? `:${n.port}` : ''}${n.vhost ? `/${n.vhost}` : ''}`;

describe('parseAmqpUrls(raw)', () => {
  it('splits a comma-separated list, keeps the order, and drops blanks and empty entries', () => {
    assert.deepEqual(parseAmqpUrls('amqp://a:5672, amqp://b:5673 ,,amqp://c'), ['amqp://a:5672', 'amqp://b:5673', 'amqp://c']);
    assert.deepEqual(parseAmqpUrls(['amqp://a', 'amqp://b,amqp://c']), ['amqp://a', 'amqp://b', 'amqp://c']);
    assert.deepEqual(parseAmqpUrls('amqp://guest:guest@127.0.0.1:5672'), ['amqp://guest:guest@127.0.0.1:5672']);
  });

  it('any list of valid URLs, joined by commas with blanks, or given one by one, comes back as it was', () => {
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 5 }), fc.array(fc.constantFrom('', ' ', '  '), { minLength: 10, maxLength: 10 }), (nodes, pads) => {
        const urls = nodes.map(urlOf);
        const joined = urls.map((url, i) => `${pads[i % 10]}${url}${pads[(i + 3) % 10]}`).join(',');
        assert.deepEqual(parseAmqpUrls(joined), urls);
        assert.deepEqual(parseAmqpUrls(urls), urls);
      }),
    );
  });

  it('refuses an empty list and an entry that is no amqp(s) URL, naming it without its password', () => {
    assert.throws(() => parseAmqpUrls(''), /no AMQP URL/);
    assert.throws(() => parseAmqpUrls([' ', ',']), /no AMQP URL/);
    assert.throws(() => parseAmqpUrls('amqp://a,http://b'), /"http:\/\/b" must start with amqp:\/\//);
    assert.throws(() => parseAmqpUrls('amqp://u:hunter2@a,not a url'), (err: Error) => err instanceof TypeError && /"not a url"/.test(err.message));
    assert.throws(() => parseAmqpUrls('http://u:hunter2@b'), (err: Error) => !err.message.includes('hunter2'));
  });
});

describe('connectFields(url, heartbeatSeconds)', () => {
  it('reads what amqplib reads from the string form: host, port, credentials, vhost, query', () => {
    assert.deepEqual(connectFields('amqp://guest:gu%40st@127.0.0.1:5673/my%2Fvhost?heartbeat=9&frameMax=8192&channelMax=7&locale=fr_FR', 5), {
      protocol: 'amqp',
      hostname: '127.0.0.1',
      port: 5673,
      username: 'guest',
      password: 'gu@st',
      vhost: 'my%2Fvhost',
      heartbeat: 9,
      frameMax: 8192,
      channelMax: 7,
      locale: 'fr_FR',
    });
    assert.deepEqual(connectFields('amqps://[::1]', 5), { protocol: 'amqps', hostname: '::1', port: 5671, vhost: '', heartbeat: 5 });
  });

  it('for any URL: its host and port, the default port of its protocol, credentials only when it names them', () => {
    fc.assert(
      fc.property(node, fc.integer({ min: 1, max: 60 }), (n, heartbeat) => {
        const fields = connectFields(urlOf(n), heartbeat);
        assert.equal(fields.protocol, n.protocol);
        assert.equal(fields.hostname, n.host.replace(/^\[|\]$/g, ''));
        const defaultPort = n.protocol === 'amqp' ? 5672 : 5671;
        assert.equal(fields.port, n.port === undefined || n.port === defaultPort ? defaultPort : n.port);
        assert.equal(fields.username, n.user);
        assert.equal(fields.password, n.user ? 'secret' : undefined);
        assert.equal(fields.vhost, n.vhost ?? '');
        assert.equal(fields.heartbeat, heartbeat);
      }),
    );
  });
});

describe('safeUrl(url)', () => {
  it('hides the credentials and keeps the rest', () => {
    assert.equal(safeUrl('amqp://guest:guest@127.0.0.1:5672/v'), 'amqp://***@127.0.0.1:5672/v');
    assert.equal(safeUrl('amqp://127.0.0.1:5672'), 'amqp://127.0.0.1:5672');
  });
});
