/*
 * Fuzz target for the packet path (lib/wire/pkt.c, lib/wire/name.c): any
 * input is parsed as a query; answerable ones get a response built in the
 * same buffer with records whose names come from the input itself, so the
 * compressor meets arbitrary label sets; the result is then decoded again
 * and checked. Names are also decompressed at offsets chosen by the input,
 * and round-tripped through presentation text. Invariant violations trap so
 * libFuzzer (and the corpus replay under meson test) report them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "lib/wire/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static uint8_t buf[DNSP_MSG_MAX];

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Unpacks, converts to text and back: the round trip must be exact. */
static int unpack_checked(const uint8_t *msg, size_t len, size_t off,
			  uint8_t out[DNSP_NAME_MAX])
{
	size_t wl = 0;
	int n = dnsp_name_unpack(msg, len, off, out, &wl, false);
	if (n < 0)
		return n;
	CHECK(n >= 1 && n <= DNSP_NAME_MAX && wl >= 1 && off + wl <= len);
	CHECK((size_t)n == dnsp_name_len(out));
	char text[DNSP_NAME_MAX * 4 + 2];
	int tl = dnsp_name_to_text(out, text, sizeof(text));
	CHECK(tl > 0);
	uint8_t back[DNSP_NAME_MAX];
	CHECK(dnsp_name_from_text(text, (size_t)tl, NULL, back) == n);
	CHECK(memcmp(back, out, (size_t)n) == 0);
	CHECK(dnsp_name_equal(back, out) && dnsp_name_cmp(back, out) == 0);
	CHECK(dnsp_name_in(out, (const uint8_t *)""));
	return n;
}

/* Decodes a message we built: every name must decompress, lengths add up. */
static void check_response(const uint8_t *m, size_t len)
{
	uint8_t name[DNSP_NAME_MAX];
	size_t wl, pos = DNSP_HDR_LEN;
	CHECK(len >= DNSP_HDR_LEN);
	CHECK((get16(m + 2) & DNSP_FLAG_QR) != 0);
	unsigned qd = get16(m + 4);
	unsigned n = (unsigned)get16(m + 6) + get16(m + 8) + get16(m + 10);
	CHECK(qd <= 1);
	if (qd) {
		CHECK(dnsp_name_unpack(m, len, pos, name, &wl, false) > 0);
		pos += wl + 4;
	}
	for (unsigned i = 0; i < n; i++) {
		CHECK(dnsp_name_unpack(m, len, pos, name, &wl, false) > 0);
		pos += wl;
		CHECK(pos + 10 <= len);
		uint16_t type = get16(m + pos), rdlen = get16(m + pos + 8);
		pos += 10;
		CHECK(pos + rdlen <= len);
		pos += rdlen;
		(void)type;
	}
	CHECK(pos == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t names[4][DNSP_NAME_MAX];
	int nnames = 0;
	uint8_t tmp[DNSP_NAME_MAX];

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);

	/* Decompress at arbitrary offsets; keep a few good names for later. */
	for (size_t i = 0; i + 1 < size && i < 64; i += 2) {
		size_t off = (size_t)(data[i] ^ (data[i + 1] << 8)) % size;
		if (unpack_checked(buf, size, off, tmp) > 0 && nnames < 4)
			memcpy(names[nnames++], tmp, DNSP_NAME_MAX);
	}
	for (size_t off = DNSP_HDR_LEN; off < size && off < 512; off++) {
		if (unpack_checked(buf, size, off, tmp) > 0 && nnames < 4)
			memcpy(names[nnames++], tmp, DNSP_NAME_MAX);
	}

	struct dnsp_query q;
	int rc = dnsp_pkt_parse_query(buf, size, &q);
	if (rc < 0)
		return 0;
	CHECK(q.question_end >= DNSP_HDR_LEN && q.question_end <= size);
	if (q.question_end > DNSP_HDR_LEN) {
		CHECK(q.qname_len == dnsp_name_len(q.qname));
		CHECK(q.nlabels == dnsp_name_labels(q.qname));
	}
	if (rc > 0) {
		uint16_t len = dnsp_resp_error(buf, sizeof(buf), &q, (uint8_t)rc);
		CHECK(len >= DNSP_HDR_LEN);
		check_response(buf, len);
		return 0;
	}
	if (q.has_ecs)
		CHECK(q.ecs_source_prefix <= (q.ecs_family == 1 ? 32 : 128));

	/* The input's last byte picks UDP (EDNS or 512) or TCP. */
	uint8_t knob = size ? data[size - 1] : 0;
	uint16_t limit = q.has_edns ? q.edns_udp_size : DNSP_UDP_DEFAULT;
	if (knob & 1)
		limit = DNSP_MSG_MAX;
	else if (knob & 2)
		limit = (uint16_t)(DNSP_HDR_LEN + (knob >> 2) * 8);
	if (nnames == 0) {
		memcpy(names[0], q.qname, q.qname_len);
		nnames = 1;
	}

	struct dnsp_resp r;
	dnsp_resp_init(&r, buf, sizeof(buf), limit, &q);
	dnsp_resp_set_flags(&r, DNSP_FLAG_AA, 0);
	const uint8_t a[4] = { 192, 0, 2, 1 };
	uint8_t rd[2 * DNSP_NAME_MAX + 20];
	const uint8_t *n0 = names[0], *n1 = names[nnames > 1 ? 1 : 0];
	const uint8_t *n2 = names[nnames > 2 ? 2 : 0];
	size_t l0 = dnsp_name_len(n0), l1 = dnsp_name_len(n1);
	int added = 0;

	added += dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 60, a, 4) == 0;
	added += dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_CNAME, 1, 60, n0,
				 (uint16_t)l0) == 0;
	added += dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, n0, DNSP_T_A, 1, 60, a, 4) == 0;
	rd[0] = 0;
	rd[1] = 10;
	memcpy(rd + 2, n1, l1);
	added += dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, n2, DNSP_T_MX, 1, 60, rd,
				 (uint16_t)(2 + l1)) == 0;
	added += dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, n1, DNSP_T_NS, 1, 60, n2,
				 (uint16_t)dnsp_name_len(n2)) == 0;
	memcpy(rd, n0, l0);
	memcpy(rd + l0, n1, l1);
	memset(rd + l0 + l1, 0x5a, 20);
	added += dnsp_resp_put_rr(&r, DNSP_SEC_AUTHORITY, n2, DNSP_T_SOA, 1, 60, rd,
				 (uint16_t)(l0 + l1 + 20)) == 0;
	/* Raw input bytes as rdata of a type that is never decompressed. */
	uint16_t raw = (uint16_t)(size < 300 ? size : 300);
	added += dnsp_resp_put_rr(&r, DNSP_SEC_ADDITIONAL, n1, DNSP_T_TXT, 1, 60, data, raw) == 0;
	/* Section order violations are refused without touching the message. */
	if (r.count[DNSP_SEC_AUTHORITY] + r.count[DNSP_SEC_ADDITIONAL] != 0) {
		uint16_t before = r.len;
		CHECK(dnsp_resp_put_rr(&r, DNSP_SEC_ANSWER, NULL, DNSP_T_A, 1, 60, a, 4) == -EINVAL);
		CHECK(r.len == before);
	}

	bool opt_expected = q.has_edns && (size_t)r.len + r.reserve <= r.limit;
	uint16_t len = dnsp_resp_finish(&r, &q, DNSP_UDP_EDNS_CAP, knob);
	CHECK(len <= r.limit || (added == 0 && len == q.question_end));
	CHECK(((get16(buf + 2) & DNSP_FLAG_TC) != 0) == r.truncated);
	CHECK(get16(buf + 6) + get16(buf + 8) + get16(buf + 10) == added + opt_expected);
	check_response(buf, len);
	return 0;
}
