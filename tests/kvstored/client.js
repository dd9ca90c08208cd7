// SPDX-License-Identifier: GPL-2.0
//
// ioredis (Node, from npm: tests/kvstored/node, installed by
// tests/vm/deps) against kvstored: connect, pipeline, MULTI/EXEC, WATCH
// with a conflicting write, pub/sub, BLPOP served by another connection.
// Usage: node client.js PORT N; prints TAP lines numbered from N + 1,
// exits 1 if anything failed.
'use strict';

const path = require('path');
const Redis = require(path.join(__dirname, 'node', 'node_modules', 'ioredis'));

const port = Number(process.argv[2]);
let n = Number(process.argv[3]);
let status = 0;

function check(desc, cond) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - node: ${desc}`);
	if (!cond)
		status = 1;
}

function same(desc, want, got) {
	const w = JSON.stringify(want), g = JSON.stringify(got);
	check(desc, w === g);
	if (w !== g)
		console.log(`#  expected: ${w}\n#  got:      ${g}`);
}

// no reconnects, no offline queue: a dropped connection is a failure
const opts = { port, host: '127.0.0.1', maxRetriesPerRequest: 0,
	       retryStrategy: () => null, enableOfflineQueue: false,
	       lazyConnect: true };

async function main() {
	const r = new Redis(opts);
	await r.connect();
	same('connect, PING', 'PONG', await r.ping());
	await r.set('js:k', 'v1');
	same('GET', 'v1', await r.get('js:k'));

	const p = r.pipeline();
	for (let i = 0; i < 100; i++)
		p.incr('js:cnt');
	const res = await p.exec();
	same('pipeline of 100 INCR', [...Array(100).keys()].map((i) => i + 1),
	     res.map(([err, v]) => err ? String(err) : v));

	same('MULTI/EXEC', [[null, 'OK'], [null, 2], [null, '2']],
	     await r.multi().set('js:a', 1).incr('js:a').get('js:a').exec());

	// WATCH: another connection's write in between aborts the EXEC
	const r2 = new Redis(opts);
	await r2.connect();
	await r.watch('js:w');
	await r2.set('js:w', 'other');
	same('WATCH: a conflicting write aborts EXEC', null,
	     await r.multi().set('js:w', 'mine').exec());
	same('WATCH: the other write stays', 'other', await r.get('js:w'));
	await r.watch('js:w');
	same('WATCH without conflict: EXEC runs', [[null, 'OK']],
	     await r.multi().set('js:w', 'mine').exec());

	// pub/sub on a connection of its own
	const sub = new Redis(opts);
	await sub.connect();
	const got = new Promise((resolve) =>
		sub.on('message', (ch, msg) => resolve([ch, msg])));
	same('SUBSCRIBE', 1, await sub.subscribe('js:chan'));
	same('PUBLISH reaches one subscriber', 1,
	     await r2.publish('js:chan', 'hi'));
	same('message relayed', ['js:chan', 'hi'], await got);
	sub.disconnect();

	// BLPOP: the pusher waits until the popper is blocked (no timing)
	await r.del('js:list');
	const popper = new Redis(opts);
	await popper.connect();
	const popped = popper.blpop('js:list', 10);
	for (let i = 0; i < 1000; i++) {
		const list = await r.client('LIST');
		if (/ cmd=blpop /.test(list))
			break;
		await new Promise((res) => setTimeout(res, 10));
	}
	await r2.rpush('js:list', 'x');
	same('BLPOP served by another connection', ['js:list', 'x'],
	     await popped);
	popper.disconnect();

	await r.del('js:k', 'js:cnt', 'js:a', 'js:w', 'js:list');
	r.disconnect();
	r2.disconnect();
}

main().catch((e) => {
	check(`no exception (${e && e.message})`, false);
}).finally(() => process.exit(status));
