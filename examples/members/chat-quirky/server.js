#!/usr/bin/env node
// server.js: a Chat Completions server with real-world quirks (the "chat-quirky" example member).
//
//     node server.js --port N [--host 127.0.0.1] [--models a,b] [--token-delay-ms D] [--verbose]
//
// Serves until SIGTERM or SIGINT; prints "listening on PORT" on stdout once it
// listens (--port 0 picks a free port). Node.js built-in modules only.
//
// The same deterministic rule-based "model" as chat-ref (the reply to any
// prompt is derived from the last user message, one word per token; "count
// from A to B" counts), behind an API that is compatible the way many
// "OpenAI-compatible" servers are. It claims core and streaming, and on
// purpose diverges from specs/chat-completions.yaml as real servers did:
//
//   CC-17/18/19/33  errors have the flat body {"object": "error", "message", "type",
//                   "param": null, "code": <status>}     (vLLM before v0.10.1, vllm#12886)
//   CC-04           a natural end says finish_reason "eos_token"      (TGI, tgi#2296)
//   CC-14           stream_options.include_usage is ignored: no usage chunk (Ollama, ollama#4448)
//   CC-25           n > 1 is silently ignored: one choice           (Ollama, llama.cpp)
//   CC-20           an unknown model is served with 200              (worker-vllm#57, llama.cpp#10056)
//
// Everything else (streaming framing, [DONE], stop, max_tokens, models) is conformant,
// so that each divergence fails only the cases of the requirement it breaks.
'use strict';

const http = require('http');
const crypto = require('crypto');

const BODY_MAX = 4 << 20;

function parseArgs(argv) {
	const o = {
		port: null,
		host: '127.0.0.1',
		models: 'harness-echo',
		tokenDelayMs: parseInt(process.env.CHAT_TOKEN_DELAY_MS || '5', 10),
		verbose: false,
	};
	for (let i = 2; i < argv.length; i++) {
		const a = argv[i];
		const next = () => {
			if (i + 1 >= argv.length) usage(`${a} needs a value`);
			return argv[++i];
		};
		if (a === '--port') o.port = parseInt(next(), 10);
		else if (a === '--host') o.host = next();
		else if (a === '--models') o.models = next();
		else if (a === '--token-delay-ms') o.tokenDelayMs = parseInt(next(), 10);
		else if (a === '--verbose') o.verbose = true;
		else usage(`unknown option ${a}`);
	}
	if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage('--port N is required');
	if (!Number.isInteger(o.tokenDelayMs) || o.tokenDelayMs < 0) o.tokenDelayMs = 5;
	o.models = o.models.split(',').filter((m) => m);
	return o;
}

function usage(msg) {
	process.stderr.write(`chat-quirky: ${msg}\nusage: node server.js --port N [--host H] ` +
		'[--models a,b] [--token-delay-ms D] [--verbose]\n');
	process.exit(2);
}

// ---- the model ---------------------------------------------------------------------------

function tokenize(text) {
	const toks = text.match(/\s*\S+/g) || [];
	const rest = text.slice(toks.join('').length);
	if (rest && toks.length) toks[toks.length - 1] += rest;
	else if (rest) toks.push(rest);
	return toks;
}

function contentText(c) {
	if (c === null || c === undefined) return '';
	if (typeof c === 'string') return c;
	return c.map((p) => p.text).join('\n');
}

function replyText(text) {
	const m = /count from (-?\d+) to (-?\d+)/i.exec(text);
	if (m) {
		const a = parseInt(m[1], 10), b = parseInt(m[2], 10);
		if (a <= b && b - a < 1000) {
			const out = [];
			for (let i = a; i <= b; i++) out.push(String(i));
			return out.join(' ');
		}
	}
	return 'You said: ' + text.split(/\s+/).filter((w) => w).join(' ');
}

function planReply(req) {
	const msgs = req.messages;
	let text = '';
	for (let i = msgs.length - 1; i >= 0; i--)
		if (msgs[i].role === 'user') {
			text = contentText(msgs[i].content);
			break;
		}
	let full = replyText(text);
	if (req.response_format && req.response_format.type === 'json_object')
		full = JSON.stringify({reply: full});
	let stops = req.stop;
	if (typeof stops === 'string') stops = [stops];
	let cut = -1;
	for (const s of stops || []) {
		const i = s ? full.indexOf(s) : -1;
		if (i >= 0 && (cut < 0 || i < cut)) cut = i;
	}
	let finish = 'eos_token'; // the quirk: TGI's own word for a natural end
	if (cut >= 0) {
		full = full.slice(0, cut);
		finish = 'stop';
	}
	let toks = tokenize(full);
	const limit = req.max_completion_tokens ?? req.max_tokens;
	if (limit !== undefined && limit !== null && toks.length > limit) {
		toks = toks.slice(0, limit);
		finish = 'length';
	}
	return {tokens: toks, finish};
}

function promptTokens(msgs) {
	return msgs.reduce((n, m) => n + 1 + tokenize(contentText(m.content)).length, 0);
}

// ---- errors (flat, as vLLM sent them) ------------------------------------------------------

class ApiError extends Error {
	constructor(status, message, type = 'BadRequestError') {
		super(message);
		this.status = status;
		this.type = type;
	}
	body() {
		return {object: 'error', message: this.message, type: this.type, param: null, code: this.status};
	}
}

function isInt(v) {
	return Number.isInteger(v);
}

function checkRange(req, key, lo, hi, integer) {
	const v = req[key];
	if (v === undefined || v === null) return;
	const ok = integer ? isInt(v) : typeof v === 'number';
	if (!ok || v < lo || (hi !== null && v > hi))
		throw new ApiError(400, `${key} must be ${integer ? 'an integer' : 'a number'} ` +
			(hi === null ? `>= ${lo}` : `in [${lo}, ${hi}]`) + `, got ${JSON.stringify(v)}`);
}

function validate(req) {
	if (typeof req !== 'object' || req === null || Array.isArray(req))
		throw new ApiError(400, 'request body must be a JSON object');
	if (typeof req.model !== 'string' || !req.model) throw new ApiError(400, 'model is required');
	if (!Array.isArray(req.messages) || req.messages.length === 0)
		throw new ApiError(400, 'messages must be a non-empty list');
	for (const m of req.messages) {
		if (typeof m !== 'object' || m === null ||
		    !['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role))
			throw new ApiError(400, 'every message needs a valid role');
		const c = m.content;
		const okc = typeof c === 'string' ||
			(Array.isArray(c) && c.every((p) => p && p.type === 'text' && typeof p.text === 'string')) ||
			((c === null || c === undefined) && m.role === 'assistant' && m.tool_calls);
		if (!okc) throw new ApiError(400, 'message content must be a string or text parts');
	}
	checkRange(req, 'temperature', 0, 2, false);
	checkRange(req, 'top_p', 0, 1, false);
	checkRange(req, 'max_tokens', 1, null, true);
	checkRange(req, 'max_completion_tokens', 1, null, true);
	checkRange(req, 'n', 1, 128, true);
	const stop = req.stop;
	if (stop !== undefined && stop !== null && typeof stop !== 'string' &&
	    !(Array.isArray(stop) && stop.length <= 4 && stop.every((s) => typeof s === 'string')))
		throw new ApiError(400, 'stop must be a string or a list of at most 4 strings');
	if (req.stream_options !== undefined && req.stream_options !== null && !req.stream)
		throw new ApiError(400, 'stream_options is only allowed with stream: true');
	if (req.tools !== undefined && req.tools !== null)
		throw new ApiError(400, 'tools are not supported by this server');
	if (req.logprobs) throw new ApiError(400, 'logprobs are not supported by this server');
	// the quirk: no check that req.model is one of ours (CC-20)
}

// ---- HTTP --------------------------------------------------------------------------------

let seq = 0;
const started = Math.floor(Date.now() / 1000);

function sendJson(res, status, obj) {
	const data = Buffer.from(JSON.stringify(obj));
	res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': data.length});
	res.end(data);
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

async function complete(opts, req, res) {
	const plan = planReply(req);
	for (let i = 0; i < plan.tokens.length; i++) if (opts.tokenDelayMs) await sleep(opts.tokenDelayMs);
	const pt = promptTokens(req.messages);
	const ct = plan.tokens.length;
	sendJson(res, 200, {
		id: `chatcmpl-q${process.pid}-${++seq}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: req.model,
		// the quirk: n is ignored, there is always exactly one choice (CC-25)
		choices: [{index: 0, message: {role: 'assistant', content: plan.tokens.join('')},
			finish_reason: plan.finish, logprobs: null}],
		usage: {prompt_tokens: pt, completion_tokens: ct, total_tokens: pt + ct},
	});
}

async function stream(opts, req, res) {
	const plan = planReply(req);
	const id = `chatcmpl-q${process.pid}-${++seq}`;
	const created = Math.floor(Date.now() / 1000);
	let gone = false;
	res.on('close', () => { gone = true; });
	res.writeHead(200, {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache'});
	const event = (delta, finish) => {
		res.write('data: ' + JSON.stringify({
			id, object: 'chat.completion.chunk', created, model: req.model,
			choices: [{index: 0, delta, finish_reason: finish, logprobs: null}],
		}) + '\n\n');
	};
	event({role: 'assistant', content: ''}, null);
	for (const tok of plan.tokens) {
		if (opts.tokenDelayMs) await sleep(opts.tokenDelayMs);
		if (gone) return;
		event({content: tok}, null);
	}
	event({}, plan.finish);
	// the quirk: stream_options.include_usage is ignored (CC-14)
	res.end('data: [DONE]\n\n');
}

function handle(opts, req, res, body) {
	const path = req.url.split('?')[0];
	if (req.method === 'GET' && path === '/health') return sendJson(res, 200, {status: 'ok'});
	if (req.method === 'GET' && path === '/v1/models')
		return sendJson(res, 200, {object: 'list', data: opts.models.map((m) => (
			{id: m, object: 'model', created: started, owned_by: 'harness-examples'}))});
	if (path !== '/v1/chat/completions')
		return sendJson(res, 404, new ApiError(404, `route ${req.method} ${path} not found`,
			'NotFoundError').body());
	if (req.method !== 'POST')
		return sendJson(res, 405, new ApiError(405, 'method not allowed', 'MethodNotAllowed').body());
	let r;
	try {
		try {
			r = JSON.parse(body.toString('utf8'));
		} catch (e) {
			throw new ApiError(400, `invalid JSON body: ${e.message}`);
		}
		validate(r);
	} catch (e) {
		if (!(e instanceof ApiError)) throw e;
		return sendJson(res, e.status, e.body());
	}
	const run = r.stream ? stream(opts, r, res) : complete(opts, r, res);
	run.catch((e) => {
		process.stderr.write(`chat-quirky: ${e.stack}\n`);
		if (!res.headersSent) sendJson(res, 500, new ApiError(500, 'internal error', 'InternalServerError').body());
		else res.destroy();
	});
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
				sendJson(res, 413, new ApiError(413, 'request body too large').body());
				req.destroy();
				return;
			}
			parts.push(c);
		});
		req.on('end', () => {
			if (size > BODY_MAX) return;
			if (opts.verbose) process.stderr.write(`${req.method} ${req.url}\n`);
			handle(opts, req, res, Buffer.concat(parts));
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
