#ifndef GANTRY_BASE64_H
#define GANTRY_BASE64_H

/*
 * pkg/base/base64 — standard base64 (RFC 4648 alphabet, padded), with
 * exactly the behaviour of Go's encoding/base64.StdEncoding, because every
 * tool gantry must agree with (the API server, kubectl, Helm's Sprig,
 * kustomize) is written in Go and its errors and edge cases show through:
 * a Secret's data the API server refuses, Sprig's b64dec error text.
 *
 * Why one module: the encoder and decoder were written seven times across
 * pkg/, with three different answers to "is a newline allowed".
 */

#include <stddef.h>

#include "pkg/base/strbuf.h"

/* Append the base64 of len bytes at data to out. */
void base64_encode(struct strbuf *out, const void *data, size_t len);

/* base64_decode flags */
#define BASE64_SKIP_SPACE 1  /* also skip ' ' and '\t' (YAML !!binary,
                                kubeconfig data folded by hand) */

/*
 * Decode len bytes of s and append the bytes to out, as Go's
 * StdEncoding.DecodeString does: '\r' and '\n' are skipped anywhere, the
 * input must be whole padded quanta, nothing may follow the padding.
 * 0, or -1 with *bad (when not NULL) set to the offset Go's error names
 * ("illegal base64 data at input byte N"); out then holds the bytes of
 * the quanta decoded before the error.
 */
int base64_decode(const char *s, size_t len, int flags, struct strbuf *out,
		  size_t *bad);

#endif
