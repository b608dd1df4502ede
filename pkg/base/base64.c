/* Standard base64 as Go's encoding/base64.StdEncoding has it. */
#include "pkg/base/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(struct strbuf *out, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		strbuf_addch(out, alphabet[(v >> 18) & 63]);
		strbuf_addch(out, alphabet[(v >> 12) & 63]);
		strbuf_addch(out, i + 1 < len ? alphabet[(v >> 6) & 63] : '=');
		strbuf_addch(out, i + 2 < len ? alphabet[v & 63] : '=');
	}
}

static int value_of(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int skipped(unsigned char c, int flags)
{
	return c == '\n' || c == '\r' ||
	       ((flags & BASE64_SKIP_SPACE) && (c == ' ' || c == '\t'));
}

static size_t skip(const char *s, size_t len, size_t i, int flags)
{
	while (i < len && skipped((unsigned char)s[i], flags))
		i++;
	return i;
}

/*
 * One quantum (four characters, skipped ones aside) of Go's decoder.
 * Returns the position after it, or -1 with *bad set to the offset Go
 * reports. Go's rules: fewer than four characters at the end is an error
 * at the start of the partial quantum's last character run; '=' may come
 * third or fourth only, "x=" must be followed by '=', and nothing but
 * skipped characters may follow the padding.
 */
static long quantum(const char *s, size_t len, size_t si, int flags,
		    struct strbuf *out, size_t *bad)
{
	int d[4] = { 0, 0, 0, 0 }, dlen = 4;

	for (int j = 0; j < 4; j++) {
		if (si == len) {
			if (j == 0)
				return (long)si;
			*bad = si - (size_t)j;
			return -1;
		}
		unsigned char in = (unsigned char)s[si++];
		int v = value_of(in);
		if (v >= 0) {
			d[j] = v;
			continue;
		}
		if (skipped(in, flags)) {
			j--;
			continue;
		}
		if (in != '=' || j < 2) {
			*bad = si - 1;
			return -1;
		}
		if (j == 2) {
			/* "xx=" needs a second '=' */
			si = skip(s, len, si, flags);
			if (si == len) {
				*bad = len;
				return -1;
			}
			if (s[si] != '=') {
				*bad = si - 1;
				return -1;
			}
			si++;
		}
		si = skip(s, len, si, flags);
		if (si < len) {
			*bad = si;      /* something after the padding */
			return -1;
		}
		dlen = j;
		break;
	}
	unsigned long v = (unsigned long)d[0] << 18 | (unsigned long)d[1] << 12 |
			  (unsigned long)d[2] << 6 | (unsigned long)d[3];
	for (int k = 0; k < dlen - 1; k++)
		strbuf_addch(out, (char)(v >> (16 - 8 * k)));
	return (long)si;
}

int base64_decode(const char *s, size_t len, int flags, struct strbuf *out,
		  size_t *bad)
{
	size_t si = 0, where = 0;

	while (si < len) {
		long next = quantum(s, len, si, flags, out, &where);
		if (next < 0) {
			if (bad)
				*bad = where;
			return -1;
		}
		si = (size_t)next;
	}
	return 0;
}
