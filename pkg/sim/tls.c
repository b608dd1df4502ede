/*
 * pkg/sim: a throwaway CA and a serving certificate for 127.0.0.1, ::1 and
 * localhost, made at start with OpenSSL (ECDSA P-256: instant to make,
 * verified by kubectl's Go TLS and by libcurl alike).
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return 0;
}

static X509 *new_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		      EVP_PKEY *issuer_key, int ca)
{
	X509 *c = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn;

	X509_set_version(c, 2);
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
	BN_free(bn);
	/* valid from an hour ago (clock skew) for ten years */
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 10L * 365 * 24 * 3600);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	if (ca) {
		add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(c, c, NID_key_usage,
			"critical,keyCertSign,cRLSign,digitalSignature");
		add_ext(c, c, NID_subject_key_identifier, "hash");
	} else {
		add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(c, issuer, NID_key_usage,
			"critical,digitalSignature,keyEncipherment");
		add_ext(c, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(c, issuer, NID_subject_alt_name,
			"IP:127.0.0.1,IP:::1,DNS:localhost");
		add_ext(c, issuer, NID_authority_key_identifier, "keyid");
	}
	if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

static char *bio_string(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *out = xstrndup(data, (size_t)n);

	BIO_free(b);
	return out;
}

int tls_generate(char **ca_pem, char **cert_pem, char **key_pem,
		 struct gerr *err)
{
	EVP_PKEY *ca_key = new_key(), *key = new_key();
	X509 *ca = NULL, *cert = NULL;
	BIO *b;
	int ret = -1;

	if (!ca_key || !key) {
		gerr_setc(err, GERR_FAIL, "cannot generate a TLS key");
		goto out;
	}
	ca = new_cert(ca_key, "kubesim-ca", NULL, NULL, 1);
	cert = ca ? new_cert(key, "kubesim", ca, ca_key, 0) : NULL;
	if (!cert) {
		gerr_setc(err, GERR_FAIL, "cannot make a TLS certificate");
		goto out;
	}
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, ca);
	*ca_pem = bio_string(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, cert);
	*cert_pem = bio_string(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	*key_pem = bio_string(b);
	ret = 0;
out:
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return ret;
}
