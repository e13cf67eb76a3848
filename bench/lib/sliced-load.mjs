// A load generator that keeps every server of a comparison alive and loads one at a time, switching
// every few hundred milliseconds. On a shared host whose speed changes over seconds, two adjacent
// windows see nearly the same host, so a ratio of their rates keeps little of its noise; the
// interleaved rounds of compareVariants (a fresh process per 3 s round) keep all of it.
// Raw sockets, one request in flight per connection, responses counted by their length: the
// generator stays far cheaper than the servers it loads. Every response must have the first
// response's length and a 2xx status, or the run fails.
import net from 'node:net';

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

/** The byte length of one whole response of the server on `port`, and its status line. */
async function responseLength(port) {
  const socket = net.connect(port, '127.0.0.1');
  try {
    let data = Buffer.alloc(0);
    await new Promise((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = data.subarray(0, end).toString('latin1');
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) reject(new Error(`a response without Content-Length: ${head}`));
        else if (data.length >= end + 4 + Number(length[1])) resolve();
      });
      socket.write(REQUEST);
    });
    const status = data.subarray(0, data.indexOf('\r\n')).toString('latin1');
    if (!/^HTTP\/1\.1 2\d\d /.test(status)) throw new Error(`the server answered ${status}`);
    return data.length;
  } finally {
    socket.destroy();
  }
}

/**
 * Opens `connections` sockets to each port. `switchTo(i)` makes server i the one loaded; the
 * others' sockets finish their request in flight and wait. `answered[i]` counts server i's
 * responses so far. `close()` ends every socket.
 */
export async function openSlicedLoad(ports, connections) {
  const answered = ports.map(() => 0);
  const targets = [];
  let failure = null;
  let closing = false;
  for (const [index, port] of ports.entries()) {
    const length = await responseLength(port);
    const target = { active: false, waiting: [], sockets: [] };
    for (let c = 0; c < connections; c++) {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let pending = 0; // bytes of the response in flight received so far
      socket.on('data', (chunk) => {
        // the status digit of a response that starts in this chunk ('HTTP/1.1 2xx')
        if (pending === 0 && chunk.length > 9 && chunk[9] !== 0x32) failure ??= new Error(`non-2xx from :${port}`);
        pending += chunk.length;
        if (pending < length) return;
        if (pending > length) failure ??= new Error(`a response from :${port} longer than ${length} bytes`);
        pending = 0;
        answered[index]++;
        if (target.active) socket.write(REQUEST);
        else target.waiting.push(socket);
      });
      socket.on('error', (err) => (failure ??= err));
      socket.on('close', () => {
        if (!closing) failure ??= new Error(`:${port} closed a connection`);
      });
      target.sockets.push(socket);
      target.waiting.push(socket);
    }
    targets.push(target);
  }
  return {
    answered,
    switchTo(index) {
      if (failure) throw failure;
      for (const target of targets) target.active = false;
      const target = targets[index];
      target.active = true;
      for (const socket of target.waiting.splice(0)) socket.write(REQUEST);
    },
    close() {
      closing = true;
      for (const target of targets) for (const socket of target.sockets) socket.destroy();
      if (failure) throw failure;
    },
  };
}
