/*
 * Domain names in wire form (RFC 1035 §3.1): decompression from packets,
 * presentation-text conversion and the comparisons the lookup code needs.
 * Everything works on caller memory and is bounded by DNSP_NAME_MAX or the
 * input length, so it is usable on the fast path. Case folding goes through
 * a 256-byte table instead of per-byte calls; label length bytes (0..63) are
 * unaffected by it, which lets equality compare whole names in one loop.
 */
#include <string.h>
#include "name.h"

/* ASCII-only lowercasing (RFC 4343 §3: only A-Z fold). */
const uint8_t dnsp_lower_tab[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/*
 * Compression pointers must point strictly before the start of the label
 * sequence currently being read (the target of the previous jump, or off).
 * Each jump therefore lowers that start, so a loop is impossible; the jump
 * counter is a second, independent bound.
 */
int dnsp_name_unpack(const uint8_t *msg, size_t msg_len, size_t off,
		     uint8_t out[DNSP_NAME_MAX], size_t *wire_len, bool lower)
{
	size_t pos = off, seq = off, n = 0, wlen = 0;
	unsigned jumps = 0;

	for (;;) {
		if (unlikely(pos >= msg_len))
			return DNSP_ETRUNC;
		uint8_t c = msg[pos];
		if (c == 0) {
			out[n++] = 0;
			if (wlen == 0)
				wlen = pos + 1 - off;
			break;
		}
		if (c < 0x40) {
			if (unlikely(pos + 1 + c >= msg_len))
				return DNSP_ETRUNC; /* label plus at least one more byte */
			if (unlikely(n + 1 + c + 1 > DNSP_NAME_MAX))
				return DNSP_ENAME;
			const uint8_t *src = msg + pos + 1;
			uint8_t *dst = out + n;
			*dst++ = c;
			if (lower) {
				for (unsigned i = 0; i < c; i++)
					dst[i] = dnsp_lower_tab[src[i]];
			} else {
				memcpy(dst, src, c);
			}
			n += 1 + (size_t)c;
			pos += 1 + (size_t)c;
			continue;
		}
		if (unlikely(c < 0xC0))
			return DNSP_EMALFORMED; /* 0x40/0x80: extended/reserved label types */
		if (unlikely(pos + 1 >= msg_len))
			return DNSP_ETRUNC;
		size_t target = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
		if (wlen == 0)
			wlen = pos + 2 - off;
		if (unlikely(target >= seq || ++jumps > DNSP_LABELS_MAX))
			return DNSP_ELOOP;
		pos = seq = target;
	}
	if (wire_len)
		*wire_len = wlen;
	return (int)n;
}

size_t dnsp_name_len(const uint8_t *name)
{
	const uint8_t *p = name;
	while (p - name < DNSP_NAME_MAX && *p != 0)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

int dnsp_name_labels(const uint8_t *name)
{
	int n = 0;
	const uint8_t *p = name;
	while (p - name < DNSP_NAME_MAX && *p != 0) {
		p += *p + 1;
		n++;
	}
	return n;
}

void dnsp_name_lower(uint8_t *name)
{
	size_t len = dnsp_name_len(name);
	for (size_t i = 0; i < len; i++)
		name[i] = dnsp_lower_tab[name[i]];
}

bool dnsp_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t la = dnsp_name_len(a);
	if (la != dnsp_name_len(b))
		return false;
	/* Length bytes are < 0x40 and fold to themselves. */
	for (size_t i = 0; i < la; i++)
		if (dnsp_lower_tab[a[i]] != dnsp_lower_tab[b[i]])
			return false;
	return true;
}

bool dnsp_name_in(const uint8_t *name, const uint8_t *apex)
{
	size_t ln = dnsp_name_len(name), la = dnsp_name_len(apex);
	if (la > ln)
		return false;
	size_t off = 0;
	while (ln - off > la)
		off += (size_t)name[off] + 1;
	if (ln - off != la)
		return false;
	for (size_t i = 0; i < la; i++)
		if (dnsp_lower_tab[name[off + i]] != dnsp_lower_tab[apex[i]])
			return false;
	return true;
}

int dnsp_name_label_offsets(const uint8_t *name, uint8_t offs[DNSP_LABELS_MAX])
{
	int n = 0;
	size_t p = 0;
	while (p < DNSP_NAME_MAX && n < DNSP_LABELS_MAX && name[p] != 0) {
		offs[n++] = (uint8_t)p;
		p += (size_t)name[p] + 1;
	}
	return n;
}

/* Labels compared right to left as lowercased octet strings (RFC 4034 §6.1). */
int dnsp_name_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[DNSP_LABELS_MAX], ob[DNSP_LABELS_MAX];
	int na = dnsp_name_label_offsets(a, oa);
	int nb = dnsp_name_label_offsets(b, ob);
	int i = na - 1, j = nb - 1;
	for (; i >= 0 && j >= 0; i--, j--) {
		const uint8_t *la = a + oa[i], *lb = b + ob[j];
		unsigned len = la[0] < lb[0] ? la[0] : lb[0];
		for (unsigned k = 1; k <= len; k++) {
			int d = (int)dnsp_lower_tab[la[k]] - (int)dnsp_lower_tab[lb[k]];
			if (d != 0)
				return d;
		}
		if (la[0] != lb[0])
			return (int)la[0] - (int)lb[0];
	}
	return na - nb;
}

static int digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

int dnsp_name_from_text(const char *text, size_t len, const uint8_t *origin,
			uint8_t out[DNSP_NAME_MAX])
{
	if (len == 0)
		return DNSP_ESYNTAX;
	if (len == 1 && text[0] == '@') {
		if (!origin)
			return DNSP_ENAME;
		size_t ol = dnsp_name_len(origin);
		if (ol > DNSP_NAME_MAX)
			return DNSP_ENAME;
		memcpy(out, origin, ol);
		return (int)ol;
	}
	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		return 1;
	}

	size_t ls = 0, w = 1, i = 0; /* length byte of current label, write pos */
	bool absolute = false;
	while (i < len) {
		char c = text[i];
		if (c == '.') {
			size_t llen = w - ls - 1;
			if (llen == 0)
				return DNSP_ESYNTAX; /* empty label */
			out[ls] = (uint8_t)llen;
			ls = w++;
			if (++i == len)
				absolute = true;
			continue;
		}
		uint8_t byte;
		if (c == '\\') {
			if (i + 1 >= len)
				return DNSP_ESYNTAX;
			int d0 = digit(text[i + 1]);
			if (d0 < 0) {
				byte = (uint8_t)text[i + 1];
				i += 2;
			} else {
				int d1 = i + 2 < len ? digit(text[i + 2]) : -1;
				int d2 = i + 3 < len ? digit(text[i + 3]) : -1;
				if (d1 < 0 || d2 < 0)
					return DNSP_ESYNTAX;
				int v = d0 * 100 + d1 * 10 + d2;
				if (v > 255)
					return DNSP_ESYNTAX;
				byte = (uint8_t)v;
				i += 4;
			}
		} else {
			byte = (uint8_t)c;
			i++;
		}
		if (w - ls - 1 >= DNSP_LABEL_MAX || w >= DNSP_NAME_MAX)
			return DNSP_ENAME;
		out[w++] = byte;
	}
	if (!absolute) {
		if (!origin)
			return DNSP_ENAME;
		out[ls] = (uint8_t)(w - ls - 1);
		ls = w;
		size_t ol = dnsp_name_len(origin);
		if (ls + ol > DNSP_NAME_MAX)
			return DNSP_ENAME;
		memcpy(out + ls, origin, ol);
		return (int)(ls + ol);
	}
	if (ls + 1 > DNSP_NAME_MAX)
		return DNSP_ENAME;
	out[ls] = 0;
	return (int)ls + 1;
}

int dnsp_name_to_text(const uint8_t *name, char *buf, size_t cap)
{
	size_t w = 0, p = 0;
	if (name[0] == 0) {
		if (cap < 2)
			return DNSP_ENOSPACE;
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}
	while (p < DNSP_NAME_MAX && name[p] != 0) {
		uint8_t llen = name[p];
		for (size_t k = 1; k <= llen; k++) {
			uint8_t c = name[p + k];
			if (c <= 0x20 || c >= 0x7f) {
				if (w + 4 >= cap)
					return DNSP_ENOSPACE;
				buf[w++] = '\\';
				buf[w++] = (char)('0' + c / 100);
				buf[w++] = (char)('0' + c / 10 % 10);
				buf[w++] = (char)('0' + c % 10);
				continue;
			}
			bool special = c == '.' || c == '\\' || c == '"' || c == '(' ||
				       c == ')' || c == ';' || c == '@' || c == '$';
			if (w + (special ? 2 : 1) >= cap)
				return DNSP_ENOSPACE;
			if (special)
				buf[w++] = '\\';
			buf[w++] = (char)c;
		}
		if (w + 1 >= cap)
			return DNSP_ENOSPACE;
		buf[w++] = '.';
		p += (size_t)llen + 1;
	}
	buf[w] = '\0';
	return (int)w;
}
