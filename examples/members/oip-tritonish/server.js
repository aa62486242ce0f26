#!/usr/bin/env node
// server.js: an Open Inference Protocol server that behaves like Triton (the "oip-tritonish" example member).
//
//     node server.js --port N [--host 127.0.0.1] [--verbose]
//
// Serves until SIGTERM or SIGINT; prints "listening on PORT" on stdout once it
// listens (--port 0 picks a free port). Node.js built-in modules only.
//
// The same four test models as oip-ref (add_sub, add_sub_int32, string_echo,
// bool_not; see suites/open-inference-protocol/oip-basic.yaml), behind the
// REST API the way Triton Inference Server has served it. It claims core,
// versioning and bytes of specs/open-inference-protocol.yaml and diverges
// on purpose where Triton did:
//
//   OIP-03, OIP-05  health and model-ready answers are status only: 200 with an
//                   empty text/plain body, no JSON       (kserve/kserve#1760, #4267)
//   OIP-19          an unknown model is a 400, not a 404  (Triton; MLServer before PR #488)
//   OIP-25          BYTES data in nested form ([["a"], ["b"]]) is rejected,
//                   though other datatypes may nest      (triton-inference-server/server#4405)
//
// So it conforms to core and versioning (the first two are SHOULDs) and not
// to bytes (OIP-25 is a MUST there).
'use strict';

const http = require('http');

const BODY_MAX = 64 << 20;

function parseArgs(argv) {
	const o = {port: null, host: '127.0.0.1', verbose: false};
	for (let i = 2; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--verbose') {
			o.verbose = true;
			continue;
		}
		if (i + 1 >= argv.length) usage(`${a} needs a value`);
		if (a === '--port') o.port = parseInt(argv[++i], 10);
		else if (a === '--host') o.host = argv[++i];
		else usage(`unknown option ${a}`);
	}
	if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage('--port N is required');
	return o;
}

function usage(msg) {
	process.stderr.write(`oip-tritonish: ${msg}\nusage: node server.js --port N [--host H] [--verbose]\n`);
	process.exit(2);
}

class OipError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

function fail(msg, status = 400) {
	throw new OipError(status, msg);
}

// ---- the models --------------------------------------------------------------------------

const f32 = (x) => Math.fround(x);
const i32 = (x) => x | 0;

function addSub(conv) {
	return (t) => {
		const a = t.INPUT0, b = t.INPUT1;
		if (JSON.stringify(a.shape) !== JSON.stringify(b.shape))
			fail(`inputs must have the same shape, got ${JSON.stringify(a.shape)} and ${JSON.stringify(b.shape)}`);
		return {
			OUTPUT0: [a.shape, a.flat.map((x, i) => conv(x + b.flat[i]))],
			OUTPUT1: [a.shape, a.flat.map((x, i) => conv(x - b.flat[i]))],
		};
	};
}

function model(inputs, outputs, run) {
	return {platform: 'python', versions: ['1'], inputs, outputs, run};
}

const MODELS = {
	add_sub: model([['INPUT0', 'FP32', [-1, 4]], ['INPUT1', 'FP32', [-1, 4]]],
		[['OUTPUT0', 'FP32', [-1, 4]], ['OUTPUT1', 'FP32', [-1, 4]]], addSub(f32)),
	add_sub_int32: model([['INPUT0', 'INT32', [-1, 4]], ['INPUT1', 'INT32', [-1, 4]]],
		[['OUTPUT0', 'INT32', [-1, 4]], ['OUTPUT1', 'INT32', [-1, 4]]], addSub(i32)),
	string_echo: model([['INPUT0', 'BYTES', [-1, -1]]], [['OUTPUT0', 'BYTES', [-1, -1]]],
		(t) => ({OUTPUT0: [t.INPUT0.shape, t.INPUT0.flat.slice()]})),
	bool_not: model([['INPUT0', 'BOOL', [-1, -1]]], [['OUTPUT0', 'BOOL', [-1, -1]]],
		(t) => ({OUTPUT0: [t.INPUT0.shape, t.INPUT0.flat.map((x) => !x)]})),
};

function element(dt, x, name) {
	if (dt === 'BOOL' && typeof x === 'boolean') return x;
	if (dt === 'BYTES' && typeof x === 'string') return x;
	if (dt === 'FP32' && typeof x === 'number' && Number.isFinite(x)) return f32(x);
	if (dt === 'INT32' && Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31) return x;
	fail(`unable to parse 'data' of input '${name}': expected ${dt} elements`);
}

function flatten(data, shape, name, dt) {
	const count = shape.reduce((n, d) => n * d, 1);
	if (!Array.isArray(data)) fail(`unable to parse 'data' of input '${name}'`);
	if (data.some(Array.isArray)) {
		// the quirk: nested BYTES are refused, as Triton did (OIP-25)
		if (dt === 'BYTES')
			fail(`unable to parse 'data': expected BYTES input '${name}' as a flat list of strings`);
		const out = [];
		const walk = (node, depth) => {
			if (depth === shape.length) {
				if (Array.isArray(node)) fail(`input '${name}': data nested deeper than its shape`);
				out.push(node);
				return;
			}
			if (!Array.isArray(node) || node.length !== shape[depth])
				fail(`input '${name}': nested data does not follow the shape`);
			for (const c of node) walk(c, depth + 1);
		};
		walk(data, 0);
		return out;
	}
	if (data.length !== count)
		fail(`unexpected shape for input '${name}' for model: expected ${count} elements, got ${data.length}`);
	return data;
}

function infer(name, req) {
	const m = MODELS[name];
	if (typeof req !== 'object' || req === null || !Array.isArray(req.inputs))
		fail("the request must be an object with an 'inputs' array");
	const want = new Map(m.inputs.map(([n, dt, s]) => [n, [dt, s]]));
	const tensors = {};
	for (const t of req.inputs) {
		if (typeof t !== 'object' || t === null || typeof t.name !== 'string') fail("every input needs a 'name'");
		if (!want.has(t.name)) fail(`unexpected inference input '${t.name}' for model '${name}'`);
		if (tensors[t.name]) fail(`input '${t.name}' given twice`);
		const [dt, mshape] = want.get(t.name);
		if (t.datatype !== dt)
			fail(`inference input '${t.name}' data-type is '${t.datatype}', but model '${name}' expects '${dt}'`);
		const shape = t.shape;
		if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
			fail(`input '${t.name}': shape must be an array of non-negative integers`);
		if (shape.length !== mshape.length || mshape.some((w, i) => w !== -1 && w !== shape[i]))
			fail(`unexpected shape for input '${t.name}' for model '${name}'`);
		tensors[t.name] = {shape, flat: flatten(t.data, shape, t.name, dt).map((x) => element(dt, x, t.name))};
	}
	for (const n of want.keys()) if (!tensors[n]) fail(`expected inputs for model '${name}' are missing: ${n}`);
	const res = m.run(tensors);
	const kinds = new Map(m.outputs.map(([n, dt]) => [n, dt]));
	let names = m.outputs.map(([n]) => n);
	if (req.outputs !== undefined && req.outputs !== null) {
		if (!Array.isArray(req.outputs) || !req.outputs.every((o) => o && typeof o.name === 'string'))
			fail("'outputs' must be an array of {name}");
		names = req.outputs.map((o) => o.name);
		for (const n of names) if (!kinds.has(n)) fail(`unexpected inference output '${n}' for model '${name}'`);
	}
	return names.map((n) => ({name: n, datatype: kinds.get(n), shape: res[n][0], data: res[n][1]}));
}

// ---- HTTP --------------------------------------------------------------------------------

function sendJson(res, status, obj) {
	const data = Buffer.from(JSON.stringify(obj));
	res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': data.length});
	res.end(data);
}

// the quirk: status-only health answers (OIP-03, OIP-05)
function sendEmpty(res, status) {
	res.writeHead(status, {'Content-Type': 'text/plain', 'Content-Length': 0});
	res.end();
}

function route(path) {
	const parts = path.replace(/^\/+|\/+$/g, '').split('/');
	if (parts.length < 3 || parts[0] !== 'v2' || parts[1] !== 'models') return null;
	const name = decodeURIComponent(parts[2]);
	let rest = parts.slice(3), version = null;
	if (rest.length >= 2 && rest[0] === 'versions') {
		version = rest[1];
		rest = rest.slice(2);
	}
	if (rest.length > 1) return null;
	const action = rest.length ? rest[0] : 'metadata';
	if (!['metadata', 'ready', 'infer'].includes(action)) return null;
	// the quirk: Triton's 400 for a model it does not know (OIP-19)
	if (!Object.prototype.hasOwnProperty.call(MODELS, name))
		fail(`Request for unknown model: '${name}' is not found`, 400);
	if (version !== null && !MODELS[name].versions.includes(version))
		fail(`Request for unknown model: '${name}' version ${version} is not found`, 400);
	return {name, version, action};
}

function handle(req, res, body) {
	const path = req.url.split('?')[0];
	const clean = path.replace(/\/+$/, '');
	if (req.method === 'GET' && (clean === '/v2/health/live' || clean === '/v2/health/ready'))
		return sendEmpty(res, 200);
	if (req.method === 'GET' && clean === '/v2')
		return sendJson(res, 200, {name: 'oip-tritonish', version: '2.41.0',
			extensions: ['classification', 'sequence', 'model_repository', 'schedule_policy',
				'model_configuration', 'system_shared_memory', 'binary_tensor_data', 'statistics']});
	const r = route(path);
	if (!r) fail(`no route for ${req.method} ${path}`, 404);
	const m = MODELS[r.name];
	if (req.method === 'GET' && r.action === 'ready') return sendEmpty(res, 200);
	if (req.method === 'GET' && r.action === 'metadata') {
		const meta = (ts) => ts.map(([name, datatype, shape]) => ({name, datatype, shape}));
		return sendJson(res, 200, {name: r.name, versions: m.versions, platform: m.platform,
			inputs: meta(m.inputs), outputs: meta(m.outputs)});
	}
	if (req.method === 'POST' && r.action === 'infer') {
		let q;
		try {
			q = JSON.parse(body.toString('utf8'));
		} catch (e) {
			fail(`failed to parse the request JSON buffer: ${e.message}`);
		}
		const outputs = infer(r.name, q);
		const resp = {model_name: r.name, model_version: r.version || m.versions[m.versions.length - 1]};
		if (typeof q.id === 'string') resp.id = q.id;
		resp.outputs = outputs;
		return sendJson(res, 200, resp);
	}
	fail(`no route for ${req.method} ${path}`, 404);
}

function main() {
	const opts = parseArgs(process.argv);
	const server = http.createServer((req, res) => {
		req.socket.setNoDelay(true);
		const parts = [];
		let size = 0;
		req.on('data', (c) => {
			size += c.length;
			if (size > BODY_MAX) {
				sendJson(res, 413, {error: 'request body too large'});
				req.destroy();
				return;
			}
			parts.push(c);
		});
		req.on('end', () => {
			if (size > BODY_MAX) return;
			if (opts.verbose) process.stderr.write(`${req.method} ${req.url}\n`);
			try {
				handle(req, res, Buffer.concat(parts));
			} catch (e) {
				if (!(e instanceof OipError)) {
					process.stderr.write(`oip-tritonish: ${e.stack}\n`);
					e = new OipError(500, 'internal error');
				}
				sendJson(res, e.status, {error: e.message});
			}
		});
	});
	server.keepAliveTimeout = 30000;
	server.listen(opts.port, opts.host, () => {
		process.stdout.write(`listening on ${server.address().port}\n`);
	});
	const stop = () => {
		server.close();
		server.closeAllConnections();
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main();
