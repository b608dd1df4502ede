/*
 * Sprig's crypto and randomness, on OpenSSL (and libxcrypt for bcrypt):
 *
 *   sha1sum sha256sum sha512sum adler32sum       hex / decimal digests
 *   bcrypt htpasswd                               $2a$, cost 10
 *   derivePassword                                Master Password (scrypt)
 *   genPrivateKey                                 rsa (4096) ecdsa (P-256)
 *                                                 ed25519 dsa (2048/256)
 *   genCA genCAWithKey genSelfSignedCert(WithKey) genSignedCert(WithKey)
 *   buildCustomCert                               sprig.certificate
 *   encryptAES decryptAES                         AES-256-CBC, PKCS#7
 *   randBytes randAlphaNum randAlpha randNumeric randAscii uuidv4 shuffle
 *
 * Certificates are built as Go's x509.CreateCertificate builds Sprig's
 * templates: version 3, a random 128-bit serial, the CN as the whole
 * subject, valid from now for daysValid days, key usage (critical)
 * digitalSignature and keyEncipherment (+ keyCertSign for a CA), extended
 * key usage serverAuth and clientAuth, basic constraints (critical), a
 * subject key id on CAs and the CA's as authority key id on certificates
 * it signs, DNS and IP SANs; signed with SHA-256 (RSA, ECDSA) or Ed25519.
 * Keys come out in the PEM forms Sprig writes: RSA PRIVATE KEY, EC PRIVATE
 * KEY, DSA PRIVATE KEY, and PKCS#8 PRIVATE KEY for ed25519.
 *
 * Where Go's x509 or pem packages report a malformed input, the message
 * here names the problem in OpenSSL's terms after Sprig's own prefix.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/template/sprig.h"
#include "pkg/template/utf8.h"
#include "pkg/base/base64.h"

#define STR(v) ((v)->u.str.s)
#define LEN(v) ((v)->u.str.len)

static int random_bytes(struct tmpl_call *call, void *buf, size_t n)
{
	if (n && RAND_bytes(buf, (int)n) != 1)
		return tmpl_call_error(call, "crypto/rand: no random numbers "
					     "(OpenSSL RAND_bytes failed)");
	return 0;
}

/* A uniform random number below n (n > 0), without modulo bias. */
static int random_below(struct tmpl_call *call, unsigned n, unsigned *out)
{
	unsigned r, limit = ~0u - (~0u % n);
	do {
		if (random_bytes(call, &r, sizeof(r)) < 0)
			return -1;
	} while (r >= limit);
	*out = r % n;
	return 0;
}

/* ---- digests ---- */

static int f_digest(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	const EVP_MD *type = !strcmp(call->name, "sha1sum") ? EVP_sha1()
			   : !strcmp(call->name, "sha512sum") ? EVP_sha512()
							       : EVP_sha256();
	struct strbuf sb = STRBUF_INIT;
	if (!EVP_Digest(STR(args[0]), LEN(args[0]), md, &n, type, NULL))
		return tmpl_call_error(call, "%s: digest failed", call->name);
	for (unsigned i = 0; i < n; i++)
		strbuf_addf(&sb, "%02x", md[i]);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_adler32(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	unsigned long a = 1, b = 0;
	char buf[16];
	for (size_t i = 0; i < LEN(args[0]); i++) {
		a = (a + (unsigned char)STR(args[0])[i]) % 65521;
		b = (b + a) % 65521;
	}
	snprintf(buf, sizeof(buf), "%lu", b << 16 | a);
	*result = tmpl_string(buf);
	return 0;
}

/* ---- bcrypt ---- */

/* x/crypto/bcrypt.GenerateFromPassword at the default cost, or Sprig's
 * message when it fails. */
static void bcrypt_into(struct strbuf *out, const char *pw, size_t len)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	if (len > 72) {
		strbuf_addstr(out, "failed to encrypt string with bcrypt: "
				   "bcrypt: password length exceeds 72 bytes");
		return;
	}
	memset(&data, 0, sizeof(data));
	if (!crypt_gensalt_rn("$2a$", 10, NULL, 0, salt, sizeof(salt)) ||
	    !crypt_r(pw, salt, &data) || data.output[0] == '*') {
		strbuf_addstr(out, "failed to encrypt string with bcrypt: "
				   "crypt failed");
		return;
	}
	strbuf_addstr(out, data.output);
}

static int f_bcrypt(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	/* crypt() stops at a NUL; bcrypt hashes bytes up to 72 */
	bcrypt_into(&sb, STR(args[0]), LEN(args[0]));
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_htpasswd(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	if (memchr(STR(args[0]), ':', LEN(args[0]))) {
		strbuf_addstr(&sb, "invalid username: ");
		strbuf_add(&sb, STR(args[0]), LEN(args[0]));
	} else {
		strbuf_add(&sb, STR(args[0]), LEN(args[0]));
		strbuf_addch(&sb, ':');
		bcrypt_into(&sb, STR(args[1]), LEN(args[1]));
	}
	*result = tmpl_string_buf(&sb);
	return 0;
}

/* ---- random strings ---- */

static int rand_string(struct tmpl_call *call, const char *alphabet,
		       long long count, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned n = (unsigned)strlen(alphabet), k;
	/* goutils refuses a negative count; Sprig ignores the error */
	for (long long i = 0; i < count; i++) {
		if (random_below(call, n, &k) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		strbuf_addch(&sb, alphabet[k]);
	}
	*result = tmpl_string_buf(&sb);
	return 0;
}

#define DIGITS "0123456789"
#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static int f_rand(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	static char ascii[96];
	const char *alphabet;
	long long count = args[0]->u.i;
	if (count > (long long)SPRIG_MAX_OUTPUT)
		return tmpl_call_error(call, "%s: %lld characters is more than "
					     "gantry builds", call->name, count);
	if (!ascii[0])
		for (int c = 32; c < 127; c++)
			ascii[c - 32] = (char)c;
	if (!strcmp(call->name, "randAlphaNum"))
		alphabet = LETTERS DIGITS;
	else if (!strcmp(call->name, "randAlpha"))
		alphabet = LETTERS;
	else if (!strcmp(call->name, "randNumeric"))
		alphabet = DIGITS;
	else
		alphabet = ascii;
	return rand_string(call, alphabet, count, result);
}

static int f_rand_bytes(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	long long n = args[0]->u.i;
	struct strbuf sb = STRBUF_INIT;
	unsigned char *buf;
	if (n < 0)
		return tmpl_call_error(call, "runtime error: makeslice: len out "
					     "of range");
	if ((unsigned long long)n > SPRIG_MAX_OUTPUT)
		return tmpl_call_error(call, "randBytes: %lld bytes is more than "
					     "gantry builds", n);
	buf = xmalloc((size_t)n + 1);
	if (random_bytes(call, buf, (size_t)n) < 0) {
		free(buf);
		return -1;
	}
	base64_encode(&sb, buf, (size_t)n);
	free(buf);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_uuidv4(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	unsigned char b[16];
	char buf[40];
	if (random_bytes(call, b, sizeof(b)) < 0)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;    /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;    /* RFC 4122 variant */
	snprintf(buf, sizeof(buf),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	*result = tmpl_string(buf);
	return 0;
}

/* xstrings.Shuffle: the runes in random order. */
static int f_shuffle(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	const char *s = STR(args[0]);
	size_t len = LEN(args[0]), n = 0, i = 0;
	int *runes = xmalloc((len + 1) * sizeof(*runes));
	struct strbuf sb = STRBUF_INIT;
	while (i < len)
		runes[n++] = sprig_next_rune(s, len, &i);
	for (size_t k = n; k > 1; k--) {
		unsigned j;
		if (random_below(call, (unsigned)k, &j) < 0) {
			free(runes);
			return -1;
		}
		int t = runes[k - 1];
		runes[k - 1] = runes[j];
		runes[j] = t;
	}
	for (size_t k = 0; k < n; k++)
		tmpl_utf8_append(&sb, runes[k]);
	free(runes);
	*result = tmpl_string_buf(&sb);
	return 0;
}

/* ---- derivePassword (the Master Password algorithm) ---- */

static const struct {
	const char *type;
	const char *const templates[22];
} password_types[] = {
	{ "maximum", { "anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno", NULL } },
	{ "long", { "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno",
		    "CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno",
		    "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno",
		    "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
		    "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
		    "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno",
		    "CvccnoCvcvCvcc", "CvccCvcvnoCvcc", "CvccCvcvCvccno",
		    NULL } },
	{ "medium", { "CvcnoCvc", "CvcCvcno", NULL } },
	{ "short", { "Cvcn", NULL } },
	{ "basic", { "aaanaaan", "aannaaan", "aaannaaa", NULL } },
	{ "pin", { "nnnn", NULL } },
};

static const char *template_chars(char c)
{
	switch (c) {
	case 'V': return "AEIOU";
	case 'C': return "BCDFGHJKLMNPQRSTVWXYZ";
	case 'v': return "aeiou";
	case 'c': return "bcdfghjklmnpqrstvwxyz";
	case 'A': return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
	case 'a': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	case 'n': return "0123456789";
	case 'o': return "@&%?,=[]_:-+*$#!'^~;()/.";
	default: return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
			"0123456789!@#$%^&*()";
	}
}

static void put_u32(struct strbuf *sb, unsigned long x)
{
	unsigned char b[4] = { (unsigned char)(x >> 24), (unsigned char)(x >> 16),
			       (unsigned char)(x >> 8), (unsigned char)x };
	strbuf_add(sb, b, 4);
}

static int f_derive_password(struct tmpl_call *call, struct tmpl_value **args,
			     size_t nargs, struct tmpl_value **result)
{
	static const char seed_text[] = "com.lyndir.masterpassword";
	unsigned long counter = (unsigned long)args[0]->u.i;
	const struct tmpl_value *type = args[1], *pw = args[2], *user = args[3],
				*site = args[4];
	const char *const *templates = NULL;
	unsigned char key[64], seed[EVP_MAX_MD_SIZE];
	unsigned int seed_len;
	struct strbuf buf = STRBUF_INIT, out = STRBUF_INIT;
	size_t ntemplates = 0;

	for (size_t i = 0; i < sizeof(password_types) / sizeof(password_types[0]); i++)
		if (!strcmp(password_types[i].type, STR(type)) &&
		    strlen(password_types[i].type) == LEN(type))
			templates = password_types[i].templates;
	if (!templates) {
		strbuf_addstr(&out, "cannot find password template ");
		strbuf_add(&out, STR(type), LEN(type));
		*result = tmpl_string_buf(&out);
		return 0;
	}
	while (templates[ntemplates])
		ntemplates++;
	strbuf_addstr(&buf, seed_text);
	put_u32(&buf, LEN(user));
	strbuf_add(&buf, STR(user), LEN(user));
	if (EVP_PBE_scrypt(STR(pw), LEN(pw), (unsigned char *)buf.buf, buf.len,
			   32768, 8, 2, 256UL << 20, key, sizeof(key)) != 1) {
		strbuf_release(&buf);
		strbuf_addstr(&out, "failed to derive password: scrypt failed");
		*result = tmpl_string_buf(&out);
		return 0;
	}
	strbuf_setlen(&buf, sizeof(seed_text) - 1);
	put_u32(&buf, LEN(site));
	strbuf_add(&buf, STR(site), LEN(site));
	put_u32(&buf, counter);
	HMAC(EVP_sha256(), key, sizeof(key), (unsigned char *)buf.buf, buf.len,
	     seed, &seed_len);
	const char *t = templates[seed[0] % ntemplates];
	for (size_t i = 0; t[i]; i++) {
		const char *chars = template_chars(t[i]);
		strbuf_addch(&out, chars[seed[i + 1] % strlen(chars)]);
	}
	strbuf_release(&buf);
	OPENSSL_cleanse(key, sizeof(key));
	*result = tmpl_string_buf(&out);
	return 0;
}

/* ---- keys ---- */

static EVP_PKEY *generate_key(const char *type, size_t len)
{
	EVP_PKEY *pkey = NULL, *params = NULL;
	EVP_PKEY_CTX *ctx;
	if ((len == 3 && !memcmp(type, "rsa", 3)) || !len)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
	if (len == 5 && !memcmp(type, "ecdsa", 5))
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (len == 7 && !memcmp(type, "ed25519", 7))
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	/* dsa: L2048N256 parameters, then a key */
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
	if (ctx && EVP_PKEY_paramgen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, 2048) > 0 &&
	    EVP_PKEY_CTX_set_dsa_paramgen_q_bits(ctx, 256) > 0 &&
	    EVP_PKEY_paramgen(ctx, &params) > 0) {
		EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
		if (kctx && EVP_PKEY_keygen_init(kctx) > 0)
			EVP_PKEY_keygen(kctx, &pkey);
		EVP_PKEY_CTX_free(kctx);
	}
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* pemBlockForKey: PKCS#1/SEC1/DSA forms, PKCS#8 for the rest. */
static int key_pem(struct strbuf *out, EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int ok, id = EVP_PKEY_get_base_id(pkey);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC || id == EVP_PKEY_DSA)
		ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL,
							  0, NULL, NULL);
	else
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
					      NULL);
	n = BIO_get_mem_data(bio, &data);
	if (ok)
		strbuf_add(out, data, (size_t)n);
	BIO_free(bio);
	return ok ? 0 : -1;
}

static int f_gen_private_key(struct tmpl_call *call, struct tmpl_value **args,
			     size_t nargs, struct tmpl_value **result)
{
	const char *t = STR(args[0]);
	size_t n = LEN(args[0]);
	struct strbuf sb = STRBUF_INIT;
	EVP_PKEY *pkey;
	if (n && !(n == 3 && !memcmp(t, "rsa", 3)) &&
	    !(n == 3 && !memcmp(t, "dsa", 3)) &&
	    !(n == 5 && !memcmp(t, "ecdsa", 5)) &&
	    !(n == 7 && !memcmp(t, "ed25519", 7))) {
		strbuf_addstr(&sb, "Unknown type ");
		strbuf_add(&sb, t, n);
		*result = tmpl_string_buf(&sb);
		return 0;
	}
	pkey = generate_key(t, n);
	if (!pkey || key_pem(&sb, pkey) < 0) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "failed to generate private key: OpenSSL "
				   "key generation failed");
	}
	EVP_PKEY_free(pkey);
	*result = tmpl_string_buf(&sb);
	return 0;
}

/* parsePrivateKeyPEM: the first PEM block, by its type. */
static EVP_PKEY *parse_key_pem(const char *pem, size_t len, struct gerr *err)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n = 0;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p;

	if (!PEM_read_bio(bio, &name, &header, &data, &n)) {
		BIO_free(bio);
		gerr_set(err, "no PEM data in input");
		return NULL;
	}
	BIO_free(bio);
	p = data;
	size_t nl = strlen(name);
	if (!strcmp(name, "PRIVATE KEY")) {
		PKCS8_PRIV_KEY_INFO *info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, n);
		if (info)
			pkey = EVP_PKCS82PKEY(info);
		PKCS8_PRIV_KEY_INFO_free(info);
		if (!pkey)
			gerr_set(err, "decoding PEM as PKCS#8: x509: failed to "
				      "parse private key");
	} else if (nl < 12 || strcmp(name + nl - 12, " PRIVATE KEY")) {
		gerr_set(err, "no private key data in PEM block of type %s", name);
	} else if (!strcmp(name, "RSA PRIVATE KEY")) {
		if (!(pkey = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, n)))
			gerr_set(err, "parsing RSA private key from PEM: x509: "
				      "malformed private key");
	} else if (!strcmp(name, "EC PRIVATE KEY")) {
		if (!(pkey = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, n)))
			gerr_set(err, "parsing EC private key from PEM: x509: "
				      "failed to parse EC private key");
	} else if (!strcmp(name, "DSA PRIVATE KEY")) {
		if (!(pkey = d2i_PrivateKey(EVP_PKEY_DSA, NULL, &p, n)))
			gerr_set(err, "parsing DSA private key from PEM: asn1: "
				      "structure error");
	} else {
		gerr_set(err, "invalid private key type %s", name);
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return pkey;
}

/* ---- certificates ---- */

struct names {
	struct strbuf dns;      /* "DNS:a,DNS:b" */
	char **ips;             /* raw addresses */
	int *iplen;
	size_t nips, ndns;
	char **dnsv;
};

static void names_release(struct names *n)
{
	for (size_t i = 0; i < n->nips; i++)
		free(n->ips[i]);
	for (size_t i = 0; i < n->ndns; i++)
		free(n->dnsv[i]);
	free(n->ips);
	free(n->iplen);
	free(n->dnsv);
	strbuf_release(&n->dns);
}

/* getNetIPs and getAlternateDNSStrs: lists of strings. */
static int parse_names(struct tmpl_call *call, const struct tmpl_value *ips,
		       const struct tmpl_value *dns, struct names *out)
{
	struct strbuf sb = STRBUF_INIT;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < tmpl_list_len(ips); i++) {
		const struct tmpl_value *v = tmpl_list_get(ips, i);
		unsigned char buf[16];
		int len = 0;
		if (!v || v->kind != TMPL_STRING) {
			strbuf_reset(&sb);
			tmpl_fmt_value(&sb, v);
			tmpl_call_error(call, "error parsing ip: %s is not a string",
					sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		/* net.ParseIP: dotted IPv4 or IPv6; IPv4-mapped is IPv4 */
		if (!strchr(STR(v), ':') && inet_pton(AF_INET, STR(v), buf) == 1)
			len = 4;
		else if (inet_pton(AF_INET6, STR(v), buf) == 1)
			len = 16;
		if (len == 16 && !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
			memmove(buf, buf + 12, 4);
			len = 4;
		}
		if (!len || strlen(STR(v)) != LEN(v)) {
			strbuf_release(&sb);
			return tmpl_call_error(call, "error parsing ip: %s", STR(v));
		}
		out->ips = xrealloc(out->ips, (out->nips + 1) * sizeof(*out->ips));
		out->iplen = xrealloc(out->iplen, (out->nips + 1) * sizeof(int));
		out->ips[out->nips] = xmalloc(16);
		memcpy(out->ips[out->nips], buf, (size_t)len);
		out->iplen[out->nips++] = len;
	}
	for (size_t i = 0; i < tmpl_list_len(dns); i++) {
		const struct tmpl_value *v = tmpl_list_get(dns, i);
		if (!v || v->kind != TMPL_STRING) {
			strbuf_reset(&sb);
			tmpl_fmt_value(&sb, v);
			tmpl_call_error(call, "error processing alternate dns "
					      "name: %s is not a string", sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		out->dnsv = xrealloc(out->dnsv, (out->ndns + 1) * sizeof(char *));
		out->dnsv[out->ndns++] = xstrndup(STR(v), LEN(v));
	}
	strbuf_release(&sb);
	return 0;
}

static int add_ext(X509 *x, int nid, int critical, void *value)
{
	int ok = X509_add1_ext_i2d(x, nid, value, critical, X509V3_ADD_DEFAULT);
	return ok == 1 ? 0 : -1;
}

/* The subject key id Go computes: SHA-1 of the public key bits. */
static ASN1_OCTET_STRING *key_id(X509 *x)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned int n;
	const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(x);
	ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
	EVP_Digest(bits->data, (size_t)bits->length, md, &n, EVP_sha1(), NULL);
	ASN1_OCTET_STRING_set(id, md, (int)n);
	return id;
}

static int add_extensions(X509 *x, X509 *parent, int is_ca,
			  const struct names *names)
{
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	int rc = 0;

	/* digitalSignature (0), keyEncipherment (2), keyCertSign (5) */
	ASN1_BIT_STRING_set_bit(ku, 0, 1);
	ASN1_BIT_STRING_set_bit(ku, 2, 1);
	if (is_ca)
		ASN1_BIT_STRING_set_bit(ku, 5, 1);
	sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth));
	sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth));
	bc->ca = is_ca ? 0xFF : 0;
	if (add_ext(x, NID_key_usage, 1, ku) < 0 ||
	    add_ext(x, NID_ext_key_usage, 0, eku) < 0 ||
	    add_ext(x, NID_basic_constraints, 1, bc) < 0)
		rc = -1;
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_OBJECT_free(eku);
	BASIC_CONSTRAINTS_free(bc);
	if (rc == 0 && is_ca) {
		ASN1_OCTET_STRING *id = key_id(x);
		rc = add_ext(x, NID_subject_key_identifier, 0, id);
		ASN1_OCTET_STRING_free(id);
	}
	/* the parent's key id, unless the certificate names itself */
	if (rc == 0 && parent &&
	    X509_NAME_cmp(X509_get_subject_name(parent),
			  X509_get_subject_name(x)) != 0) {
		const ASN1_OCTET_STRING *pid = X509_get0_subject_key_id(parent);
		if (pid && pid->length) {
			AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
			akid->keyid = ASN1_OCTET_STRING_dup(pid);
			rc = add_ext(x, NID_authority_key_identifier, 0, akid);
			AUTHORITY_KEYID_free(akid);
		}
	}
	if (rc == 0 && (names->ndns || names->nips)) {
		GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
		for (size_t i = 0; i < names->ndns; i++) {
			GENERAL_NAME *g = GENERAL_NAME_new();
			ASN1_IA5STRING *s = ASN1_IA5STRING_new();
			ASN1_STRING_set(s, names->dnsv[i], (int)strlen(names->dnsv[i]));
			GENERAL_NAME_set0_value(g, GEN_DNS, s);
			sk_GENERAL_NAME_push(gens, g);
		}
		for (size_t i = 0; i < names->nips; i++) {
			GENERAL_NAME *g = GENERAL_NAME_new();
			ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
			ASN1_OCTET_STRING_set(s, (unsigned char *)names->ips[i],
					      names->iplen[i]);
			GENERAL_NAME_set0_value(g, GEN_IPADD, s);
			sk_GENERAL_NAME_push(gens, g);
		}
		rc = add_ext(x, NID_subject_alt_name, 0, gens);
		GENERAL_NAMES_free(gens);
	}
	return rc;
}

/* getCertAndKey: build, sign and PEM-encode; the certificate and the
 * signee's key become a sprig.certificate. */
static int make_cert(struct tmpl_call *call, const char *cn, size_t cnlen,
		     const struct names *names, long long days, int is_ca,
		     EVP_PKEY *signee, X509 *parent, EVP_PKEY *signer,
		     struct tmpl_value **result)
{
	X509 *x = X509_new();
	BIGNUM *serial = BN_new(), *range = BN_new();
	X509_NAME *subject = X509_NAME_new();
	struct strbuf cert = STRBUF_INIT, key = STRBUF_INIT;
	BIO *bio = NULL;
	int rc = -1, signer_id = EVP_PKEY_get_base_id(signer);
	time_t now = time(NULL);

	if (signer_id == EVP_PKEY_DSA) {
		tmpl_call_error(call, "error creating certificate: x509: "
				      "certificate private key does not "
				      "implement crypto.Signer");
		goto done;
	}
	if (EVP_PKEY_get_base_id(signee) == EVP_PKEY_DSA) {
		tmpl_call_error(call, "error creating certificate: x509: "
				      "unsupported public key type: *dsa.PublicKey");
		goto done;
	}
	BN_set_bit(range, 128);
	BN_rand_range(serial, range);
	X509_set_version(x, 2);
	BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
	if (cnlen)
		X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
					   (const unsigned char *)cn, (int)cnlen,
					   -1, 0);
	X509_set_subject_name(x, subject);
	X509_set_issuer_name(x, parent ? X509_get_subject_name(parent) : subject);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now);
	/* daysValid days of 24 hours from now */
	X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &now);
	X509_set_pubkey(x, signee);
	if (add_extensions(x, parent, is_ca, names) < 0 ||
	    !X509_sign(x, signer, signer_id == EVP_PKEY_ED25519 ? NULL
								 : EVP_sha256())) {
		tmpl_call_error(call, "error creating certificate: OpenSSL "
				      "could not sign it");
		goto done;
	}
	bio = BIO_new(BIO_s_mem());
	char *data;
	PEM_write_bio_X509(bio, x);
	long n = BIO_get_mem_data(bio, &data);
	strbuf_add(&cert, data, (size_t)n);
	if (key_pem(&key, signee) < 0) {
		tmpl_call_error(call, "error pem-encoding key");
		goto done;
	}
	*result = tmpl_certificate_new(cert.buf, cert.len, key.buf, key.len);
	rc = 0;
done:
	BIO_free(bio);
	X509_NAME_free(subject);
	BN_free(serial);
	BN_free(range);
	X509_free(x);
	strbuf_release(&cert);
	strbuf_release(&key);
	return rc;
}

/* The key of a *WithKey function, or a new 2048-bit RSA key. */
static EVP_PKEY *signee_key(struct tmpl_call *call, const struct tmpl_value *pem)
{
	EVP_PKEY *pkey;
	if (!pem) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		if (!pkey)
			tmpl_call_error(call, "error generating rsa key: OpenSSL "
					      "key generation failed");
		return pkey;
	}
	pkey = parse_key_pem(STR(pem), LEN(pem), call->err);
	if (!pkey)
		gerr_prefix(call->err, "parsing private key");
	return pkey;
}

static int f_gen_ca(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct names none;
	EVP_PKEY *key = signee_key(call, nargs > 2 ? args[2] : NULL);
	int rc;
	if (!key)
		return -1;
	memset(&none, 0, sizeof(none));
	rc = make_cert(call, STR(args[0]), LEN(args[0]), &none, args[1]->u.i, 1,
		       key, NULL, key, result);
	EVP_PKEY_free(key);
	return rc;
}

static int f_gen_self_signed(struct tmpl_call *call, struct tmpl_value **args,
			     size_t nargs, struct tmpl_value **result)
{
	struct names names;
	EVP_PKEY *key;
	int rc;
	if (parse_names(call, args[1], args[2], &names) < 0) {
		names_release(&names);
		return -1;
	}
	key = signee_key(call, nargs > 4 ? args[4] : NULL);
	rc = key ? make_cert(call, STR(args[0]), LEN(args[0]), &names,
			     args[3]->u.i, 0, key, NULL, key, result) : -1;
	EVP_PKEY_free(key);
	names_release(&names);
	return rc;
}

static X509 *parse_cert_pem(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

static int has_pem_block(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n;
	int ok = PEM_read_bio(bio, &name, &header, &data, &n);
	BIO_free(bio);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return ok;
}

static int f_gen_signed(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	struct names names;
	const struct tmpl_value *ca = args[4];
	struct tmpl_value *ca_cert, *ca_key;
	X509 *parent = NULL;
	EVP_PKEY *signer = NULL, *key = NULL;
	int rc = -1;

	if (parse_names(call, args[1], args[2], &names) < 0)
		goto done;
	ca_cert = ca->u.obj.cls->field(ca, 0);
	ca_key = ca->u.obj.cls->field(ca, 1);
	if (!has_pem_block(STR(ca_cert), LEN(ca_cert)))
		tmpl_call_error(call, "unable to decode certificate");
	else if (!(parent = parse_cert_pem(STR(ca_cert), LEN(ca_cert))))
		tmpl_call_error(call, "error parsing certificate: "
				      "decodedSignerCert.Bytes: x509: malformed "
				      "certificate");
	else if (!(signer = parse_key_pem(STR(ca_key), LEN(ca_key), call->err)))
		gerr_prefix(call->err, "error parsing private key");
	else if ((key = signee_key(call, nargs > 5 ? args[5] : NULL)))
		rc = make_cert(call, STR(args[0]), LEN(args[0]), &names,
			       args[3]->u.i, 0, key, parent, signer, result);
	tmpl_unref(ca_cert);
	tmpl_unref(ca_key);
done:
	names_release(&names);
	X509_free(parent);
	EVP_PKEY_free(signer);
	EVP_PKEY_free(key);
	return rc;
}

static int f_build_custom_cert(struct tmpl_call *call, struct tmpl_value **args,
			       size_t nargs, struct tmpl_value **result)
{
	struct strbuf cert = STRBUF_INIT, key = STRBUF_INIT;
	size_t bad;
	X509 *x = NULL;
	EVP_PKEY *pkey = NULL;
	int rc = -1;

	if (base64_decode(STR(args[0]), LEN(args[0]), 0, &cert, &bad) < 0)
		tmpl_call_error(call, "unable to decode base64 certificate");
	else if (base64_decode(STR(args[1]), LEN(args[1]), 0, &key, &bad) < 0)
		tmpl_call_error(call, "unable to decode base64 private key");
	else if (!has_pem_block(cert.buf ? cert.buf : "", cert.len))
		tmpl_call_error(call, "unable to decode certificate");
	else if (!(x = parse_cert_pem(cert.buf, cert.len)))
		tmpl_call_error(call, "error parsing certificate: "
				      "decodedCert.Bytes: x509: malformed "
				      "certificate");
	else if (!(pkey = parse_key_pem(key.buf ? key.buf : "", key.len,
					call->err)))
		gerr_prefix(call->err, "error parsing private key");
	else {
		*result = tmpl_certificate_new(cert.buf, cert.len, key.buf,
					       key.len);
		rc = 0;
	}
	X509_free(x);
	EVP_PKEY_free(pkey);
	strbuf_release(&cert);
	strbuf_release(&key);
	return rc;
}

/* ---- AES ---- */

static void aes_key(unsigned char key[32], const struct tmpl_value *pw)
{
	memset(key, 0, 32);
	memcpy(key, STR(pw), LEN(pw) < 32 ? LEN(pw) : 32);
}

static int f_encrypt_aes(struct tmpl_call *call, struct tmpl_value **args,
			 size_t nargs, struct tmpl_value **result)
{
	unsigned char key[32];
	size_t n = LEN(args[1]), pad = 16 - n % 16;
	unsigned char *buf;
	int outl = 0, ok;
	struct strbuf sb = STRBUF_INIT;
	EVP_CIPHER_CTX *ctx;

	if (!n) {
		*result = tmpl_stringn("", 0);
		return 0;
	}
	aes_key(key, args[0]);
	buf = xmalloc(16 + n + pad);
	if (random_bytes(call, buf, 16) < 0) {
		free(buf);
		return -1;
	}
	memcpy(buf + 16, STR(args[1]), n);
	memset(buf + 16 + n, (int)pad, pad);
	ctx = EVP_CIPHER_CTX_new();
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, buf) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, buf + 16, &outl, buf + 16, (int)(n + pad)) == 1;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	if (ok)
		base64_encode(&sb, buf, 16 + n + pad);
	free(buf);
	if (!ok)
		return tmpl_call_error(call, "crypto/aes: encryption failed");
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_decrypt_aes(struct tmpl_call *call, struct tmpl_value **args,
			 size_t nargs, struct tmpl_value **result)
{
	unsigned char key[32];
	struct strbuf crypt = STRBUF_INIT;
	size_t bad, n;
	unsigned char *out;
	int outl = 0, ok, rc = -1;
	EVP_CIPHER_CTX *ctx;

	if (!LEN(args[1])) {
		*result = tmpl_stringn("", 0);
		return 0;
	}
	if (base64_decode(STR(args[1]), LEN(args[1]), 0, &crypt, &bad) < 0) {
		strbuf_release(&crypt);
		return tmpl_call_error(call, "illegal base64 data at input byte "
					     "%zu", bad);
	}
	/* Go's slicing and CryptBlocks panic on short or ragged input */
	if (crypt.len < 16) {
		tmpl_call_error(call, "runtime error: slice bounds out of range "
				      "[:16] with length %zu", crypt.len);
		strbuf_release(&crypt);
		return -1;
	}
	n = crypt.len - 16;
	if (n % 16) {
		strbuf_release(&crypt);
		return tmpl_call_error(call, "crypto/cipher: input not full "
					     "blocks");
	}
	if (!n) {
		strbuf_release(&crypt);
		return tmpl_call_error(call, "runtime error: index out of range "
					     "[-1]");
	}
	aes_key(key, args[0]);
	out = xmalloc(n);
	ctx = EVP_CIPHER_CTX_new();
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key,
				(unsigned char *)crypt.buf) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &outl, (unsigned char *)crypt.buf + 16,
			       (int)n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok) {
		tmpl_call_error(call, "crypto/aes: decryption failed");
	} else if (out[n - 1] > n) {
		/* the last byte says how much padding to cut: too much */
		tmpl_call_error(call, "runtime error: slice bounds out of range "
				      "[:%lld]", (long long)n - out[n - 1]);
	} else {
		*result = tmpl_stringn((char *)out, n - out[n - 1]);
		rc = 0;
	}
	OPENSSL_cleanse(out, n);
	free(out);
	strbuf_release(&crypt);
	return rc;
}

#define CERT_SIG "sprig.certificate"
#define LIST_SIG "[]interface {}"

const struct tmpl_func sprig_crypto_funcs[] = {
	{ "adler32sum", f_adler32, "string -> string", 0 },
	{ "bcrypt", f_bcrypt, "string -> string", 0 },
	{ "buildCustomCert", f_build_custom_cert, "string, string -> " CERT_SIG, 0 },
	{ "decryptAES", f_decrypt_aes, "string, string -> string", 0 },
	{ "derivePassword", f_derive_password,
	  "uint32, string, string, string, string -> string", 0 },
	{ "encryptAES", f_encrypt_aes, "string, string -> string", 0 },
	{ "genCA", f_gen_ca, "string, int -> " CERT_SIG, 0 },
	{ "genCAWithKey", f_gen_ca, "string, int, string -> " CERT_SIG, 0 },
	{ "genPrivateKey", f_gen_private_key, "string -> string", 0 },
	{ "genSelfSignedCert", f_gen_self_signed,
	  "string, " LIST_SIG ", " LIST_SIG ", int -> " CERT_SIG, 0 },
	{ "genSelfSignedCertWithKey", f_gen_self_signed,
	  "string, " LIST_SIG ", " LIST_SIG ", int, string -> " CERT_SIG, 0 },
	{ "genSignedCert", f_gen_signed,
	  "string, " LIST_SIG ", " LIST_SIG ", int, " CERT_SIG " -> " CERT_SIG, 0 },
	{ "genSignedCertWithKey", f_gen_signed,
	  "string, " LIST_SIG ", " LIST_SIG ", int, " CERT_SIG ", string -> "
	  CERT_SIG, 0 },
	{ "htpasswd", f_htpasswd, "string, string -> string", 0 },
	{ "randAlpha", f_rand, "int -> string", 0 },
	{ "randAlphaNum", f_rand, "int -> string", 0 },
	{ "randAscii", f_rand, "int -> string", 0 },
	{ "randBytes", f_rand_bytes, "int -> string", 0 },
	{ "randNumeric", f_rand, "int -> string", 0 },
	{ "sha1sum", f_digest, "string -> string", 0 },
	{ "sha256sum", f_digest, "string -> string", 0 },
	{ "sha512sum", f_digest, "string -> string", 0 },
	{ "shuffle", f_shuffle, "string -> string", 0 },
	{ "uuidv4", f_uuidv4, " -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
