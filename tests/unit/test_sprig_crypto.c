/*
 * Sprig's certificate, key and bcrypt functions, checked with OpenSSL and
 * libxcrypt rather than by their text (which is random): what Sprig's Go
 * code asks x509.CreateCertificate for — subject, issuer, validity of
 * daysValid days from now, CA flag, key usages, SANs, key ids, signature
 * algorithm, the key's PEM form — and that signatures and hashes verify.
 */
#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/template/template.h"
#include "tests/unit/harness.h"

static struct tmpl_funcs *funcs;

/* Render text with the library; the parts of the output separated by '|'
 * go to parts[] (at most n). Returns the number of parts. */
static int render(const char *text, char **parts, int n)
{
	struct tmpl_set *set = tmpl_set_new(funcs);
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	int k = 0;
	if (tmpl_set_parse(set, "t", text, strlen(text), &err) < 0 ||
	    tmpl_execute(set, "t", NULL, NULL, &out, &err) < 0) {
		t_diag("render: %s", gerr_msg(&err));
		k = -1;
	}
	for (char *p = out.buf; k >= 0 && k < n && p;) {
		char *bar = strchr(p, '|');
		parts[k++] = bar ? xstrndup(p, (size_t)(bar - p)) : xstrdup(p);
		p = bar ? bar + 1 : NULL;
	}
	strbuf_release(&out);
	gerr_clear(&err);
	tmpl_set_free(set);
	return k;
}

static void free_parts(char **parts, int n)
{
	for (int i = 0; i < n; i++)
		free(parts[i]);
}

static X509 *cert_of(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

static EVP_PKEY *key_of(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return k;
}

static void name_is(X509_NAME *name, const char *cn, const char *what)
{
	char buf[256] = "";
	X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof(buf));
	t_str(buf, cn, "%s", what);
	t_int(X509_NAME_entry_count(name), 1, "%s has only a CN", what);
}

/* notAfter - notBefore is days, and notBefore is now. */
static void validity_is(X509 *x, int days, const char *what)
{
	int d, s;
	time_t now = time(NULL);
	ASN1_TIME_diff(&d, &s, X509_get0_notBefore(x), X509_get0_notAfter(x));
	t_int(d * 86400LL + s, days * 86400LL, "%s is valid %d days", what, days);
	t_ok(X509_cmp_time(X509_get0_notBefore(x), &now) <= 0 &&
	     X509_cmp_time(X509_get0_notBefore(x), &(time_t){ now - 300 }) >= 0,
	     "%s starts now", what);
}

static void common_checks(X509 *x, const char *what)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	t_int(X509_get_version(x), 2, "%s is version 3", what);
	t_ok(!BN_is_negative(bn) && BN_num_bits(bn) <= 128,
	     "%s has a serial below 2^128", what);
	BN_free(bn);
	t_int((long long)(X509_get_extended_key_usage(x) &
			  (XKU_SSL_SERVER | XKU_SSL_CLIENT)),
	      XKU_SSL_SERVER | XKU_SSL_CLIENT, "%s is for servers and clients",
	      what);
	int crit = -1;
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	t_int(crit, 1, "%s key usage is critical", what);
	ASN1_BIT_STRING_free(ku);
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints,
						 &crit, NULL);
	t_int(crit, 1, "%s basic constraints are critical", what);
	BASIC_CONSTRAINTS_free(bc);
}

static void test_ca_and_signed(void)
{
	char *p[6];
	int n = render("{{ $ca := genCA \"my-ca\" 365 }}"
		       "{{ $c := genSignedCert \"svc\" nil (list \"svc.ns\" \"svc\") 30 $ca }}"
		       "{{ $s := genSelfSignedCert \"foo.com\" (list \"10.0.0.1\" \"::1\") "
		       "(list \"a.com\" \"b.com\") 10 }}"
		       "{{ $ca.Cert }}|{{ $ca.Key }}|{{ $c.Cert }}|{{ $c.Key }}|"
		       "{{ $s.Cert }}|{{ $s.Key }}", p, 6);
	t_int(n, 6, "genCA, genSignedCert, genSelfSignedCert render");
	if (n != 6)
		return;
	X509 *ca = cert_of(p[0]), *c = cert_of(p[2]), *s = cert_of(p[4]);
	EVP_PKEY *cak = key_of(p[1]), *ck = key_of(p[3]), *sk = key_of(p[5]);
	t_ok(ca && c && s && cak && ck && sk, "the PEM parses");
	if (!(ca && c && s && cak && ck && sk))
		goto done;

	/* the CA */
	name_is(X509_get_subject_name(ca), "my-ca", "CA subject");
	t_int(X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(ca)),
	      0, "the CA issued itself");
	validity_is(ca, 365, "the CA");
	common_checks(ca, "the CA");
	t_ok(X509_check_ca(ca) > 0, "the CA is a CA");
	t_int((long long)X509_get_key_usage(ca),
	      KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_CERT_SIGN,
	      "the CA signs certificates");
	t_ok(X509_get0_subject_key_id(ca) != NULL, "the CA has a key id");
	t_ok(X509_get0_authority_key_id(ca) == NULL,
	     "the CA names no authority key");
	t_int(X509_get_signature_nid(ca), NID_sha256WithRSAEncryption,
	      "the CA is signed with SHA-256 and RSA");
	t_int(X509_verify(ca, X509_get0_pubkey(ca)), 1, "the CA's signature");
	t_int(EVP_PKEY_get_base_id(cak), EVP_PKEY_RSA, "the CA key is RSA");
	t_int(EVP_PKEY_get_bits(cak), 2048, "the CA key has 2048 bits");
	t_ok(!strncmp(p[1], "-----BEGIN RSA PRIVATE KEY-----\n", 32),
	     "the CA key is PKCS#1");
	t_int(X509_check_private_key(ca, cak), 1, "the CA key is the CA's");

	/* the certificate it signed */
	name_is(X509_get_subject_name(c), "svc", "signed subject");
	name_is(X509_get_issuer_name(c), "my-ca", "signed issuer");
	validity_is(c, 30, "the signed certificate");
	common_checks(c, "the signed certificate");
	t_ok(X509_check_ca(c) == 0, "the signed certificate is no CA");
	t_int((long long)X509_get_key_usage(c),
	      KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT,
	      "the signed certificate signs and encrypts");
	t_int(X509_verify(c, X509_get0_pubkey(ca)), 1,
	      "the CA signed the certificate");
	t_ok(X509_get0_subject_key_id(c) == NULL,
	     "the signed certificate has no key id of its own");
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(c);
	t_ok(aki && !ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(ca)),
	     "the authority key id is the CA's key id");
	t_ok(X509_check_host(c, "svc.ns", 0, 0, NULL) == 1 &&
	     X509_check_host(c, "svc", 0, 0, NULL) == 1 &&
	     X509_check_host(c, "other", 0, 0, NULL) == 0,
	     "the signed certificate names svc.ns and svc");
	t_int(X509_check_private_key(c, ck), 1, "its key is its own");
	{
		X509_STORE *store = X509_STORE_new();
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();
		X509_STORE_add_cert(store, ca);
		X509_STORE_CTX_init(ctx, store, c, NULL);
		t_int(X509_verify_cert(ctx), 1, "the chain verifies");
		X509_STORE_CTX_free(ctx);
		X509_STORE_free(store);
	}

	/* the self-signed one */
	name_is(X509_get_subject_name(s), "foo.com", "self-signed subject");
	validity_is(s, 10, "the self-signed certificate");
	common_checks(s, "the self-signed certificate");
	t_int(X509_verify(s, X509_get0_pubkey(s)), 1, "it signed itself");
	t_ok(X509_check_ca(s) == 0, "the self-signed certificate is no CA");
	t_ok(X509_check_host(s, "a.com", 0, 0, NULL) == 1 &&
	     X509_check_host(s, "b.com", 0, 0, NULL) == 1 &&
	     X509_check_host(s, "foo.com", 0, 0, NULL) == 0,
	     "its DNS names are the SANs, not the CN");
	t_ok(X509_check_ip_asc(s, "10.0.0.1", 0) == 1 &&
	     X509_check_ip_asc(s, "::1", 0) == 1 &&
	     X509_check_ip_asc(s, "10.0.0.2", 0) == 0, "its IP SANs");
	{
		GENERAL_NAMES *g = X509_get_ext_d2i(s, NID_subject_alt_name,
						    NULL, NULL);
		int order = sk_GENERAL_NAME_num(g) == 4 &&
			    sk_GENERAL_NAME_value(g, 0)->type == GEN_DNS &&
			    sk_GENERAL_NAME_value(g, 2)->type == GEN_IPADD &&
			    sk_GENERAL_NAME_value(g, 2)->d.ip->length == 4 &&
			    sk_GENERAL_NAME_value(g, 3)->d.ip->length == 16;
		t_ok(order, "SANs: DNS names, then IPv4 in 4 bytes, IPv6 in 16");
		GENERAL_NAMES_free(g);
	}
done:
	X509_free(ca);
	X509_free(c);
	X509_free(s);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(sk);
	free_parts(p, n);
}

static void test_with_keys(void)
{
	char *p[6];
	int n = render("{{ $ca := genCAWithKey \"ec-ca\" 2 (genPrivateKey \"ecdsa\") }}"
		       "{{ $e := genSelfSignedCertWithKey \"ed\" nil nil 1 (genPrivateKey \"ed25519\") }}"
		       "{{ $c := genSignedCertWithKey \"leaf\" nil nil 3 $ca (genPrivateKey \"ed25519\") }}"
		       "{{ $ca.Cert }}|{{ $ca.Key }}|{{ $e.Cert }}|{{ $e.Key }}|"
		       "{{ $c.Cert }}|{{ $c.Key }}", p, 6);
	t_int(n, 6, "the *WithKey functions render");
	if (n != 6)
		return;
	X509 *ca = cert_of(p[0]), *e = cert_of(p[2]), *c = cert_of(p[4]);
	EVP_PKEY *cak = key_of(p[1]), *ek = key_of(p[3]);
	t_ok(ca && e && c && cak && ek, "the PEM parses");
	if (ca && e && c && cak && ek) {
		t_ok(!strncmp(p[1], "-----BEGIN EC PRIVATE KEY-----\n", 31),
		     "an ECDSA key is SEC 1");
		t_int(EVP_PKEY_get_base_id(cak), EVP_PKEY_EC, "an EC key");
		char curve[64] = "";
		EVP_PKEY_get_utf8_string_param(cak, "group", curve,
					       sizeof(curve), NULL);
		t_str(curve, "prime256v1", "on P-256");
		t_int(X509_get_signature_nid(ca), NID_ecdsa_with_SHA256,
		      "an EC CA signs with ECDSA and SHA-256");
		t_int(X509_check_private_key(ca, cak), 1,
		      "the CA certifies the given key");
		validity_is(ca, 2, "the EC CA");
		t_ok(!strncmp(p[3], "-----BEGIN PRIVATE KEY-----\n", 28),
		     "an ed25519 key is PKCS#8");
		t_int(X509_get_signature_nid(e), NID_ED25519,
		      "an ed25519 certificate signs itself with Ed25519");
		t_int(X509_verify(e, X509_get0_pubkey(e)), 1,
		      "the ed25519 signature verifies");
		t_int(X509_verify(c, X509_get0_pubkey(ca)), 1,
		      "the EC CA signed the ed25519 certificate");
		t_int(X509_get_signature_nid(c), NID_ecdsa_with_SHA256,
		      "with ECDSA");
	}
	X509_free(ca);
	X509_free(e);
	X509_free(c);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ek);
	free_parts(p, n);
}

static void test_rsa_and_dsa_keys(void)
{
	char *p[2];
	struct tmpl_set *set = tmpl_set_new(funcs);
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	int n = render("{{ genPrivateKey \"rsa\" }}|{{ genPrivateKey \"dsa\" }}", p, 2);
	t_int(n, 2, "RSA and DSA keys render");
	if (n == 2) {
		EVP_PKEY *r = key_of(p[0]), *d = key_of(p[1]);
		t_ok(!strncmp(p[0], "-----BEGIN RSA PRIVATE KEY-----\n", 32) && r &&
		     EVP_PKEY_get_bits(r) == 4096, "genPrivateKey rsa: 4096 bits");
		t_ok(!strncmp(p[1], "-----BEGIN DSA PRIVATE KEY-----\n", 32) && d &&
		     EVP_PKEY_get_bits(d) == 2048, "genPrivateKey dsa: L2048");
		BIGNUM *q = NULL;
		EVP_PKEY_get_bn_param(d, "q", &q);
		t_int(q ? BN_num_bits(q) : 0, 256, "and N256");
		BN_free(q);
		EVP_PKEY_free(r);
		EVP_PKEY_free(d);
		/* Go's x509 cannot sign with DSA */
		struct strbuf t = STRBUF_INIT;
		strbuf_addf(&t, "{{ genCAWithKey \"x\" 1 %s }}", "(genPrivateKey \"dsa\")");
		tmpl_set_parse(set, "t", t.buf, t.len, &err);
		t_int(tmpl_execute(set, "t", NULL, NULL, &out, &err), -1,
		      "a DSA CA fails");
		t_ok(strstr(gerr_msg(&err), "error calling genCAWithKey: error "
					    "creating certificate: x509: certificate "
					    "private key does not implement "
					    "crypto.Signer") != NULL,
		     "as Go's x509 fails: %s", gerr_msg(&err));
		strbuf_release(&t);
	}
	free_parts(p, n);
	strbuf_release(&out);
	gerr_clear(&err);
	tmpl_set_free(set);
}

static void test_bcrypt(void)
{
	char *p[2];
	int n = render("{{ bcrypt \"s3cret pass\" }}|{{ htpasswd \"admin\" \"pw\" }}",
		       p, 2);
	t_int(n, 2, "bcrypt and htpasswd render");
	if (n == 2) {
		struct crypt_data d;
		memset(&d, 0, sizeof(d));
		t_str(crypt_r("s3cret pass", p[0], &d), p[0],
		      "the bcrypt hash verifies");
		memset(&d, 0, sizeof(d));
		t_str(crypt_r("pw", p[1] + 6, &d), p[1] + 6,
		      "the htpasswd hash verifies");
		memset(&d, 0, sizeof(d));
		t_ok(strcmp(crypt_r("other", p[0], &d), p[0]) != 0,
		     "another password does not");
	}
	free_parts(p, n);
}

int main(void)
{
	struct gerr err = GERR_INIT;
	mem_init();
	funcs = tmpl_funcs_new();
	t_ok(tmpl_funcs_add_library(funcs, &err) == 0, "library: %s",
	     gerr_msg(&err));
	test_ca_and_signed();
	test_with_keys();
	test_bcrypt();
	test_rsa_and_dsa_keys();
	tmpl_funcs_free(funcs);
	return t_done();
}
