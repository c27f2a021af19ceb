/*
 * Unit tests for lib/wire/name.c: decompression safety rules (RFC 1035
 * §3.1, §4.1.4), length limits, presentation text (RFC 1035 §5.1) and
 * canonical ordering (RFC 4034 §6.1). Packets are built by hand so every
 * malformed case is explicit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "lib/wire/name.h"

static size_t txt2wire(const char *text, const uint8_t *origin, uint8_t out[DNSP_NAME_MAX])
{
	int rc = dnsp_name_from_text(text, strlen(text), origin, out);
	assert_true(rc > 0);
	return (size_t)rc;
}

/* RFC 1035 §3.1: plain label sequence, copied and optionally lowercased. */
static void test_unpack_plain_and_lower(void **state)
{
	(void)state;
	const uint8_t msg[] = { 3, 'W', 'w', 'W', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0xff };
	uint8_t out[DNSP_NAME_MAX];
	size_t wl = 0;
	assert_int_equal(dnsp_name_unpack(msg, sizeof(msg), 0, out, &wl, false), 13);
	assert_int_equal(wl, 13);
	assert_memory_equal(out, msg, 13);
	assert_int_equal(dnsp_name_unpack(msg, sizeof(msg), 0, out, &wl, true), 13);
	assert_memory_equal(out, "\3www\7example\0", 13);
}

/* RFC 1035 §4.1.4: a pointer to an earlier name; wire_len stops at it. */
static void test_unpack_backward_pointer(void **state)
{
	(void)state;
	uint8_t msg[32] = { 0 };
	memcpy(msg + 12, "\7example\3com\0", 13); /* 12..24 */
	msg[25] = 3;
	memcpy(msg + 26, "www", 3);
	msg[29] = 0xC0;
	msg[30] = 12;
	uint8_t out[DNSP_NAME_MAX];
	size_t wl = 0;
	assert_int_equal(dnsp_name_unpack(msg, 31, 25, out, &wl, false), 17);
	assert_int_equal(wl, 6);
	assert_memory_equal(out, "\3www\7example\3com\0", 17);
	/* A pointer straight to another pointer that goes further back is fine. */
	msg[31] = 0;
	uint8_t msg2[40];
	memcpy(msg2, msg, 31);
	msg2[31] = 0xC0;
	msg2[32] = 25;
	assert_int_equal(dnsp_name_unpack(msg2, 33, 31, out, &wl, false), 17);
	assert_int_equal(wl, 2);
}

/* Loop prevention: a pointer to itself is rejected. */
static void test_unpack_pointer_to_self_is_loop(void **state)
{
	(void)state;
	uint8_t msg[16] = { 0 };
	msg[12] = 0xC0;
	msg[13] = 12;
	uint8_t out[DNSP_NAME_MAX];
	size_t wl;
	assert_int_equal(dnsp_name_unpack(msg, 14, 12, out, &wl, false), DNSP_ELOOP);
}

/* Loop prevention: pointers must go strictly before the current sequence. */
static void test_unpack_forward_pointer_is_loop(void **state)
{
	(void)state;
	uint8_t msg[20] = { 0 };
	msg[12] = 0xC0;
	msg[13] = 16;
	msg[16] = 0;
	uint8_t out[DNSP_NAME_MAX];
	size_t wl;
	assert_int_equal(dnsp_name_unpack(msg, 17, 12, out, &wl, false), DNSP_ELOOP);
	/* Two names pointing at each other: a -> b (back), b -> a (forward). */
	uint8_t m2[20] = { 0 };
	m2[12] = 1; m2[13] = 'a'; m2[14] = 0xC0; m2[15] = 16;
	m2[16] = 1; m2[17] = 'b'; m2[18] = 0xC0; m2[19] = 12;
	assert_int_equal(dnsp_name_unpack(m2, 20, 16, out, &wl, false), DNSP_ELOOP);
	/* Pointer into the middle of its own label sequence. */
	uint8_t m3[20] = { 0 };
	m3[12] = 1; m3[13] = 'a'; m3[14] = 0xC0; m3[15] = 13;
	assert_int_equal(dnsp_name_unpack(m3, 16, 12, out, &wl, false), DNSP_ELOOP);
}

/* RFC 6891 §5 / RFC 2673: label types 0x40 and 0x80 are not supported. */
static void test_unpack_reserved_label_types(void **state)
{
	(void)state;
	uint8_t out[DNSP_NAME_MAX];
	size_t wl;
	const uint8_t m1[] = { 0x41, 'a', 0 };
	const uint8_t m2[] = { 0x81, 'a', 0 };
	assert_int_equal(dnsp_name_unpack(m1, sizeof(m1), 0, out, &wl, false), DNSP_EMALFORMED);
	assert_int_equal(dnsp_name_unpack(m2, sizeof(m2), 0, out, &wl, false), DNSP_EMALFORMED);
}

/* Every read is bounded by msg_len. */
static void test_unpack_truncated(void **state)
{
	(void)state;
	uint8_t out[DNSP_NAME_MAX];
	size_t wl;
	const uint8_t m[] = { 3, 'a', 'b', 'c', 0, 0xC0 };
	assert_int_equal(dnsp_name_unpack(m, 4, 0, out, &wl, false), DNSP_ETRUNC);
	assert_int_equal(dnsp_name_unpack(m, 3, 0, out, &wl, false), DNSP_ETRUNC);
	assert_int_equal(dnsp_name_unpack(m, 5, 5, out, &wl, false), DNSP_ETRUNC);
	assert_int_equal(dnsp_name_unpack(m, 6, 5, out, &wl, false), DNSP_ETRUNC);
}

/* RFC 1035 §2.3.4: labels up to 63 octets. */
static void test_unpack_label_63(void **state)
{
	(void)state;
	uint8_t msg[70], out[DNSP_NAME_MAX];
	size_t wl;
	msg[0] = 63;
	memset(msg + 1, 'x', 63);
	msg[64] = 0;
	assert_int_equal(dnsp_name_unpack(msg, 65, 0, out, &wl, false), 65);
	msg[0] = 64; /* 0x40: not a valid length on the wire */
	memset(msg + 1, 'x', 64);
	msg[65] = 0;
	assert_true(dnsp_name_unpack(msg, 66, 0, out, &wl, false) < 0);
}

static void fill_name(uint8_t *p, size_t total)
{
	/* labels of 63 and a last one so that the name is total bytes */
	size_t pos = 0;
	while (total - pos > 1) {
		size_t room = total - pos - 1; /* bytes before root */
		size_t l = room - 1 > 63 ? 63 : room - 1;
		if (room - (l + 1) == 1) /* avoid leaving a 1-byte gap */
			l--;
		p[pos] = (uint8_t)l;
		memset(p + pos + 1, 'a', l);
		pos += l + 1;
	}
	p[pos] = 0;
}

/* RFC 1035 §2.3.4: names up to 255 octets; 256 is rejected. */
static void test_unpack_name_255_256(void **state)
{
	(void)state;
	uint8_t msg[300], out[DNSP_NAME_MAX];
	size_t wl;
	fill_name(msg, 255);
	assert_int_equal(dnsp_name_len(msg), 255);
	assert_int_equal(dnsp_name_unpack(msg, 255, 0, out, &wl, false), 255);
	assert_memory_equal(out, msg, 255);
	fill_name(msg, 256);
	assert_int_equal(dnsp_name_unpack(msg, 256, 0, out, &wl, false), DNSP_ENAME);
}

/* The 255 limit applies to the decompressed name, across pointers. */
static void test_unpack_name_too_long_via_pointer(void **state)
{
	(void)state;
	uint8_t msg[400], out[DNSP_NAME_MAX];
	size_t wl;
	fill_name(msg, 200);
	msg[200] = 63;
	memset(msg + 201, 'b', 63);
	msg[264] = 0xC0;
	msg[265] = 0;
	assert_int_equal(dnsp_name_unpack(msg, 266, 200, out, &wl, false), DNSP_ENAME);
}

static void test_len_labels_lower_offsets(void **state)
{
	(void)state;
	uint8_t n[DNSP_NAME_MAX], offs[DNSP_LABELS_MAX];
	txt2wire("A.bC.", NULL, n);
	assert_int_equal(dnsp_name_len(n), 6);
	assert_int_equal(dnsp_name_labels(n), 2);
	assert_int_equal(dnsp_name_labels((const uint8_t *)""), 0);
	assert_int_equal(dnsp_name_label_offsets(n, offs), 2);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 2);
	dnsp_name_lower(n);
	assert_memory_equal(n, "\1a\2bc\0", 6);
}

/* RFC 4343: comparisons are ASCII case-insensitive. */
static void test_equal_and_in(void **state)
{
	(void)state;
	uint8_t a[DNSP_NAME_MAX], b[DNSP_NAME_MAX], apex[DNSP_NAME_MAX], other[DNSP_NAME_MAX];
	txt2wire("WWW.Example.COM.", NULL, a);
	txt2wire("www.example.com.", NULL, b);
	txt2wire("example.com.", NULL, apex);
	txt2wire("ample.com.", NULL, other);
	assert_true(dnsp_name_equal(a, b));
	assert_false(dnsp_name_equal(a, apex));
	assert_true(dnsp_name_in(a, apex));
	assert_true(dnsp_name_in(apex, apex));
	assert_false(dnsp_name_in(apex, a));
	assert_false(dnsp_name_in(a, other)); /* suffix must be on a label boundary */
	assert_true(dnsp_name_in(a, (const uint8_t *)""));
}

/* RFC 4034 §6.1: the example list is in canonical order. */
static void test_canonical_order_rfc4034(void **state)
{
	(void)state;
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	uint8_t a[DNSP_NAME_MAX], b[DNSP_NAME_MAX];
	for (size_t i = 0; i < n; i++) {
		txt2wire(order[i], NULL, a);
		assert_int_equal(dnsp_name_cmp(a, a), 0);
		for (size_t j = 0; j < n; j++) {
			txt2wire(order[j], NULL, b);
			int c = dnsp_name_cmp(a, b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
	txt2wire("EXAMPLE.", NULL, a);
	txt2wire("example.", NULL, b);
	assert_int_equal(dnsp_name_cmp(a, b), 0);
}

/* RFC 1035 §5.1: \DDD and \X escapes. */
static void test_from_text_escapes(void **state)
{
	(void)state;
	uint8_t n[DNSP_NAME_MAX];
	assert_int_equal(dnsp_name_from_text("a\\.b.c.", 7, NULL, n), 7);
	assert_memory_equal(n, "\3a.b\1c\0", 7);
	assert_int_equal(dnsp_name_from_text("\\065\\\\.", 7, NULL, n), 4);
	assert_memory_equal(n, "\2A\\\0", 4);
	assert_int_equal(dnsp_name_from_text("\\000.", 5, NULL, n), 3);
	assert_memory_equal(n, "\1\0\0", 3);
	assert_int_equal(dnsp_name_from_text("\\256.", 5, NULL, n), DNSP_ESYNTAX);
	assert_int_equal(dnsp_name_from_text("\\12.", 4, NULL, n), DNSP_ESYNTAX);
	assert_int_equal(dnsp_name_from_text("a\\", 2, NULL, n), DNSP_ESYNTAX);
}

/* RFC 1035 §5.1: "@" is the origin; relative names take the origin. */
static void test_from_text_origin(void **state)
{
	(void)state;
	uint8_t origin[DNSP_NAME_MAX], n[DNSP_NAME_MAX];
	txt2wire("example.com.", NULL, origin);
	assert_int_equal(dnsp_name_from_text("@", 1, origin, n), 13);
	assert_memory_equal(n, origin, 13);
	assert_int_equal(dnsp_name_from_text("www", 3, origin, n), 17);
	assert_memory_equal(n, "\3www\7example\3com\0", 17);
	assert_int_equal(dnsp_name_from_text("www.", 4, origin, n), 5);
	/* Only a length is given: text need not be NUL terminated. */
	assert_int_equal(dnsp_name_from_text("a.bXXXX", 3, origin, n), 17);
	assert_int_equal(dnsp_name_from_text("www", 3, NULL, n), DNSP_ENAME);
	assert_int_equal(dnsp_name_from_text("@", 1, NULL, n), DNSP_ENAME);
	assert_int_equal(dnsp_name_from_text("a@b.", 4, NULL, n), 5); /* literal '@' */
}

static void test_from_text_root_and_empty_labels(void **state)
{
	(void)state;
	uint8_t n[DNSP_NAME_MAX];
	assert_int_equal(dnsp_name_from_text(".", 1, NULL, n), 1);
	assert_int_equal(n[0], 0);
	assert_int_equal(dnsp_name_from_text("", 0, NULL, n), DNSP_ESYNTAX);
	assert_int_equal(dnsp_name_from_text("a..b.", 5, NULL, n), DNSP_ESYNTAX);
	assert_int_equal(dnsp_name_from_text(".a.", 3, NULL, n), DNSP_ESYNTAX);
	assert_int_equal(dnsp_name_from_text("..", 2, NULL, n), DNSP_ESYNTAX);
}

/* RFC 1035 §2.3.4 in text: 63/64-byte labels, 255/256-byte names. */
static void test_from_text_limits(void **state)
{
	(void)state;
	char t[600];
	uint8_t n[DNSP_NAME_MAX], origin[DNSP_NAME_MAX];
	memset(t, 'a', 63);
	t[63] = '.';
	assert_int_equal(dnsp_name_from_text(t, 64, NULL, n), 65);
	memset(t, 'a', 64);
	t[64] = '.';
	assert_int_equal(dnsp_name_from_text(t, 65, NULL, n), DNSP_ENAME);
	/* 3 x 63 + 61 bytes of labels: 64*3 + 62 + 1 = 255 */
	size_t p = 0;
	for (int i = 0; i < 3; i++) {
		memset(t + p, 'a', 63);
		p += 63;
		t[p++] = '.';
	}
	memset(t + p, 'b', 61);
	p += 61;
	t[p++] = '.';
	assert_int_equal(dnsp_name_from_text(t, p, NULL, n), 255);
	t[p - 1] = 'b';
	t[p++] = '.';
	assert_int_equal(dnsp_name_from_text(t, p, NULL, n), DNSP_ENAME);
	/* Escaped bytes count once. */
	p = 0;
	for (int i = 0; i < 63; i++) {
		memcpy(t + p, "\\065", 4);
		p += 4;
	}
	t[p++] = '.';
	assert_int_equal(dnsp_name_from_text(t, p, NULL, n), 65);
	/* Relative name whose origin pushes it past 255. */
	fill_name(origin, 250);
	assert_int_equal(dnsp_name_from_text("abcd", 4, origin, n), 255);
	assert_int_equal(dnsp_name_from_text("abcde", 5, origin, n), DNSP_ENAME);
}

/* to_text escapes specials and non-printables, and round-trips. */
static void test_to_text_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = {
		".", "example.com.", "a\\.b.example.", "\\\\.\\\".\\(\\).\\;\\@\\$.",
		"\\000\\032\\127\\255.x.", "*.wild.", "-_-.",
	};
	uint8_t n[DNSP_NAME_MAX], back[DNSP_NAME_MAX];
	char buf[1100];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = txt2wire(names[i], NULL, n);
		int tl = dnsp_name_to_text(n, buf, sizeof(buf));
		assert_int_equal(tl, (int)strlen(names[i]));
		assert_string_equal(buf, names[i]);
		assert_int_equal(dnsp_name_from_text(buf, (size_t)tl, NULL, back), (int)len);
		assert_memory_equal(back, n, len);
	}
	/* Worst case: 255 bytes of non-printables fit in 4 * 255 + 1. */
	uint8_t big[DNSP_NAME_MAX];
	fill_name(big, 255);
	for (size_t i = 0; i < 255; i++)
		if (big[i] == 'a')
			big[i] = 0x01;
	assert_true(dnsp_name_to_text(big, buf, sizeof(buf)) > 0);
	assert_true(dnsp_name_to_text(big, buf, 10) == DNSP_ENOSPACE);
}

static void test_to_text_no_space(void **state)
{
	(void)state;
	uint8_t n[DNSP_NAME_MAX];
	char buf[16];
	txt2wire("abc.", NULL, n);
	assert_int_equal(dnsp_name_to_text(n, buf, 5), 4);
	assert_string_equal(buf, "abc.");
	assert_int_equal(dnsp_name_to_text(n, buf, 4), DNSP_ENOSPACE);
	assert_int_equal(dnsp_name_to_text((const uint8_t *)"", buf, 1), DNSP_ENOSPACE);
	txt2wire("\\001.", NULL, n);
	assert_int_equal(dnsp_name_to_text(n, buf, 5), DNSP_ENOSPACE);
	assert_int_equal(dnsp_name_to_text(n, buf, 6), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_plain_and_lower),
		cmocka_unit_test(test_unpack_backward_pointer),
		cmocka_unit_test(test_unpack_pointer_to_self_is_loop),
		cmocka_unit_test(test_unpack_forward_pointer_is_loop),
		cmocka_unit_test(test_unpack_reserved_label_types),
		cmocka_unit_test(test_unpack_truncated),
		cmocka_unit_test(test_unpack_label_63),
		cmocka_unit_test(test_unpack_name_255_256),
		cmocka_unit_test(test_unpack_name_too_long_via_pointer),
		cmocka_unit_test(test_len_labels_lower_offsets),
		cmocka_unit_test(test_equal_and_in),
		cmocka_unit_test(test_canonical_order_rfc4034),
		cmocka_unit_test(test_from_text_escapes),
		cmocka_unit_test(test_from_text_origin),
		cmocka_unit_test(test_from_text_root_and_empty_labels),
		cmocka_unit_test(test_from_text_limits),
		cmocka_unit_test(test_to_text_round_trip),
		cmocka_unit_test(test_to_text_no_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
