/* httpc: an HTTP client engine — many libcurl transfers from one curl multi handle on an evloop. */
#ifndef HARNESS_HTTPC_H
#define HARNESS_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/evloop.h"
#include "harness/strbuf.h"

/*
 * One engine per run: one libcurl multi handle whose sockets and timer are
 * watched by the run's evloop (the wiring evloop.h describes), so requests
 * and child processes share one poll loop and there is no thread per request.
 * Connections are kept and reused between requests to the same host:port.
 *
 * Steps:
 *   struct httpc *h;
 *   struct httpc_opts o = HTTPC_OPTS_INIT;  o.max_host_connections = jobs;
 *   if (httpc_new(&h, loop, &o, err) < 0) ...        libcurl could not start
 *   struct httpc_request rq = HTTPC_REQUEST_INIT;
 *   rq.url = "http://127.0.0.1:8080/v1/models";  rq.on_done = done;  rq.data = job;
 *   if (httpc_start(h, &rq, &req, err) < 0) ...      a harness error (no memory in libcurl)
 *   evloop_run(loop, err);                           done(req, res, job) runs exactly once
 *   httpc_free(h);                                   before evloop_free(loop)
 *
 * Every transfer has: an error buffer, CURLOPT_NOSIGNAL, the protocols
 * http and https only (redirects included), TLS peer and host verification,
 * no proxy (environment proxies are ignored: a member under test is reached
 * directly), no redirects unless follow_redirects, no "Expect: 100-continue"
 * (it would stall a POST by a second on servers that ignore it), a body
 * ceiling and a header ceiling. Accept-Encoding is sent (and the body
 * decoded) only when decompress is set: streams want the bytes as they come.
 *
 * Callbacks run in loop context. on_body runs inside libcurl: it must not
 * call httpc_cancel or httpc_free (it returns nonzero to abort instead). on_done runs outside
 * libcurl and may start or cancel other requests, but must not free the engine.
 */

struct httpc;
struct httpc_req;

#define HTTPC_OPTS_VERSION 1

struct httpc_opts {
	unsigned version;
	unsigned max_host_connections; /* CURLMOPT_MAX_HOST_CONNECTIONS; 0 = unlimited */
	unsigned max_connections; /* the connection cache (CURLMOPT_MAXCONNECTS); 0 = libcurl's */
};
#define HTTPC_OPTS_INIT                                                                            \
	{                                                                                          \
		HTTPC_OPTS_VERSION, 0, 0                                                           \
	}

/*
 * httpc_new: *out is a new engine on loop (borrowed: it must outlive the
 * engine). -1 (ERROR_ENV) if libcurl cannot be initialised.
 */
int httpc_new(struct httpc **out, struct evloop *loop, const struct httpc_opts *o,
	      struct error *err);
/*
 * httpc_free: cancels every transfer still running (their on_done is not
 * called), closes the cached connections, frees the engine. The loop must
 * still be alive. Not from inside a callback of this engine. NULL is a no-op.
 */
void httpc_free(struct httpc *h);

/* How a transfer ended. Everything but HTTPC_OK is a transport failure. */
enum httpc_failure {
	HTTPC_OK = 0,	  /* a complete HTTP response (any status) */
	HTTPC_CONNECT,	  /* could not connect: refused, unreachable, name not resolved */
	HTTPC_TIMEOUT,	  /* the connect or the total timeout passed */
	HTTPC_IDLE,	  /* no byte arrived for idle_timeout_ns */
	HTTPC_CONNECTION, /* the connection broke: reset, closed early, empty reply */
	HTTPC_PROTOCOL,	  /* malformed HTTP: status line, headers, chunked or content encoding */
	HTTPC_TOO_LARGE,  /* the body or the headers passed their ceiling */
	HTTPC_TLS,	  /* handshake or certificate verification failed */
	HTTPC_ABORTED,	  /* on_body asked to stop */
	HTTPC_OTHER,	  /* anything else libcurl reports (a malformed URL, too many redirects) */
};
/* httpc_failure_name: "ok" "connect" "timeout" "idle-timeout" "connection" "protocol" "too-large"
 * "tls" "aborted" "other" */
const char *httpc_failure_name(enum httpc_failure f);

/* One response header as received (name and value trimmed, NUL-terminated). */
struct httpc_header {
	char *name;
	char *value;
};

/* What a transfer produced. Owned by the engine during on_done (see httpc_response_move). */
struct httpc_response {
	enum httpc_failure failure;
	int curl_code; /* the CURLcode */
	/*
	 * "" on success, else one line: "timed out after 2s (curl: Operation
	 * timed out after 2001 milliseconds with 0 bytes received)", "cannot
	 * connect (curl: Failed to connect to 127.0.0.1 port 9 ...)",
	 * "response body larger than 1 MiB", "no data for 500ms (idle timeout)".
	 */
	char message[512];
	long status; /* the last response's status; 0 when none arrived */
	/* the final response's headers (those of 1xx and followed redirects are dropped) */
	struct httpc_header *headers;
	size_t nheaders;
	size_t header_bytes; /* bytes of every header line received */
	struct strbuf body;  /* the first keep_body bytes of the body (body.truncated beyond) */
	uint64_t body_bytes; /* every body byte received (decoded when decompress) */
	/* libcurl's phases since the start of the transfer, ns; -1 when unknown */
	int64_t connect_ns; /* TCP (and TLS) connected; ~0 on a reused connection */
	int64_t ttfb_ns;    /* the first response byte */
	int64_t total_ns;
	int64_t start_ns; /* clock_mono_ns() when httpc_start was called */
	long redirects;
	char *effective_url; /* the last URL used (differs after redirects) */
};
#define HTTPC_RESPONSE_INIT                                                                        \
	{                                                                                          \
		HTTPC_OK, 0, "", 0, NULL, 0, 0, STRBUF_INIT, 0, -1, -1, -1, 0, 0, NULL             \
	}
void httpc_response_init(struct httpc_response *res);
void httpc_response_release(struct httpc_response *res);
/* httpc_response_move: *dst takes everything of *src (dst released first); src is left empty. */
void httpc_response_move(struct httpc_response *dst, struct httpc_response *src);
/* httpc_response_header: the first value of header name (case-insensitive), or NULL. */
const char *httpc_response_header(const struct httpc_response *res, const char *name);

/*
 * on_body: each chunk of the body as it arrives (after it is counted and
 * kept), with clock_mono_ns() of the read. Return 0 to go on, nonzero to
 * abort the transfer (failure HTTPC_ABORTED).
 */
typedef int httpc_body_fn(struct httpc_req *req, const char *buf, size_t len, int64_t now_ns,
			  void *data);
/*
 * on_done: exactly once per started request (unless cancelled). res is
 * owned by the engine and freed, with the request, when on_done returns;
 * move what you keep with httpc_response_move. req is invalid afterwards.
 */
typedef void httpc_done_fn(struct httpc_req *req, struct httpc_response *res, void *data);

#define HTTPC_REQUEST_VERSION 1
#define HTTPC_MAX_BODY_DEFAULT ((uint64_t)64 << 20) /* 64 MiB */
#define HTTPC_KEEP_BODY_DEFAULT ((size_t)1 << 20)   /* 1 MiB */
#define HTTPC_MAX_HEADERS_DEFAULT ((size_t)1 << 20) /* 1 MiB of header lines */
#define HTTPC_CONNECT_TIMEOUT_DEFAULT_NS (10 * EVLOOP_NS_PER_SEC)
#define HTTPC_TIMEOUT_DEFAULT_NS (30 * EVLOOP_NS_PER_SEC)

/*
 * What to send. Everything is copied by httpc_start: the request and the
 * strings it points to may be freed as soon as it returns.
 */
struct httpc_request {
	unsigned version;
	const char *method; /* NULL = GET; HEAD reads no body */
	const char *url;    /* absolute http:// or https:// URL, already encoded */
	/* "Name: value" lines, NULL-terminated, or NULL; "Name:" removes a default header */
	const char *const *headers;
	const void *body; /* sent when has_body (POST and others); may hold NULs */
	size_t body_len;
	bool has_body;
	int64_t connect_timeout_ns; /* 0 = HTTPC_CONNECT_TIMEOUT_DEFAULT_NS (capped at the total) */
	int64_t timeout_ns;	    /* total; 0 = HTTPC_TIMEOUT_DEFAULT_NS */
	/* no byte (header or body) for this long since the start or the last byte; 0 = none */
	int64_t idle_timeout_ns;
	bool follow_redirects; /* at most 10 */
	bool decompress;       /* send Accept-Encoding (every encoding libcurl has) and decode */
	bool insecure;	       /* skip TLS verification (tests with self-signed certificates) */
	uint64_t max_body;     /* abort beyond this many body bytes; 0 = HTTPC_MAX_BODY_DEFAULT */
	size_t keep_body;      /* bytes kept in res->body; 0 = HTTPC_KEEP_BODY_DEFAULT */
	size_t max_headers;    /* header bytes; 0 = HTTPC_MAX_HEADERS_DEFAULT */
	httpc_body_fn *on_body;
	httpc_done_fn *on_done; /* required */
	void *data;
};
#define HTTPC_REQUEST_INIT                                                                         \
	{                                                                                          \
		.version = HTTPC_REQUEST_VERSION                                                   \
	}

/*
 * httpc_start: queue a transfer; it begins on the next loop iteration and
 * on_done reports its end (never from inside httpc_start). *out (may be
 * NULL) is a handle for httpc_cancel, valid until on_done. -1 (ERROR_USAGE)
 * without a url or on_done, or (ERROR_ENV) when libcurl refuses the
 * transfer; nothing is left running then.
 */
int httpc_start(struct httpc *h, const struct httpc_request *rq, struct httpc_req **out,
		struct error *err);
/* httpc_cancel: stop a transfer; its on_done is not called. Not from on_header/on_body. NULL is a
 * no-op. */
void httpc_cancel(struct httpc_req *req);

/* httpc_running: transfers started and not yet done or cancelled. */
size_t httpc_running(const struct httpc *h);

#endif
