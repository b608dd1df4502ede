/* The webhook's signature: HMAC-SHA256 of the body, as git forges send
 * it in X-Hub-Signature-256 ("sha256=" and 64 lowercase hex digits). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pkg/base/mem.h"
#include "pkg/sync/sync.h"

#define PREFIX "sha256="

static void hmac(const char *secret, const void *body, size_t len,
		 unsigned char out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	     (const unsigned char *)(len ? body : ""), len, out, &n);
}

char *sync_webhook_signature(const char *secret, const void *body,
			     size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	char *s = xmalloc(sizeof(PREFIX) + 64);

	hmac(secret, body, len, mac);
	memcpy(s, PREFIX, sizeof(PREFIX) - 1);
	for (int i = 0; i < 32; i++) {
		s[sizeof(PREFIX) - 1 + 2 * i] = hex[mac[i] >> 4];
		s[sizeof(PREFIX) - 1 + 2 * i + 1] = hex[mac[i] & 15];
	}
	s[sizeof(PREFIX) - 1 + 64] = '\0';
	return s;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sync_webhook_valid(const char *secret, const void *body, size_t len,
		       const char *header)
{
	unsigned char want[32], got[32];

	if (!secret || !header || strncmp(header, PREFIX, sizeof(PREFIX) - 1))
		return 0;
	header += sizeof(PREFIX) - 1;
	if (strlen(header) != 64)
		return 0;
	for (int i = 0; i < 32; i++) {
		int hi = hex_value(header[2 * i]);
		int lo = hex_value(header[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	hmac(secret, body, len, want);
	/* constant time: how much of a guess matched must not show in how
	 * long the answer takes */
	return CRYPTO_memcmp(want, got, sizeof(want)) == 0;
}
