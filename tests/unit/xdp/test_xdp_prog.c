/*
 * Unit tests for dnsplane's XDP program (xdp/dnsplane.bpf.c), run in the
 * kernel with BPF_PROG_TEST_RUN on crafted frames: UDP for a listener
 * (IPv4, IPv6, 802.1Q-tagged) is steered to the XSKMAP — with no socket on
 * the queue the program falls back to XDP_PASS and counts "unbound", which
 * is how these frame-level tests see the steering decision; ARP, ICMP, TCP,
 * other ports and other addresses pass; frames for a listener with
 * inconsistent IP/UDP lengths are dropped; frames too short to show the
 * ports pass. One test binds a real AF_XDP socket on a veth in a private
 * network namespace and checks that the verdict is then XDP_REDIRECT.
 * Exits 77 (skip) when the kernel does not let this process load BPF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <xdp/xsk.h>

#include "xdp/loader.h"

static struct dnsp_xdp *prog;

static const uint8_t IP4_SERVER[4] = { 198, 18, 0, 2 };
static const uint8_t IP4_OTHER[4] = { 198, 18, 0, 3 };
static const uint8_t IP6_SERVER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet [+VLAN] + IPv4 + (UDP|TCP) header + 20 payload bytes. */
static uint32_t mk4(uint8_t *f, bool vlan, uint8_t proto, const uint8_t dst[4], uint16_t dport)
{
	uint32_t o = 12;

	memset(f, 0, 256);
	f[0] = 2;
	f[6] = 2;
	f[11] = 1;
	if (vlan) {
		wr16(f + o, 0x8100);
		wr16(f + o + 2, 5);
		o += 4;
	}
	wr16(f + o, 0x0800);
	o += 2;
	uint8_t *ip = f + o;

	ip[0] = 0x45;
	wr16(ip + 2, 20 + 8 + 20);
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 198;
	ip[13] = 18;
	ip[15] = 1;
	memcpy(ip + 16, dst, 4);
	wr16(ip + 20, 40000);
	wr16(ip + 22, dport);
	wr16(ip + 24, 8 + 20);
	return o + 20 + 8 + 20;
}

static uint32_t mk6(uint8_t *f, bool vlan, uint8_t nh, const uint8_t dst[16], uint16_t dport)
{
	uint32_t o = 12;

	memset(f, 0, 256);
	f[0] = 2;
	f[6] = 2;
	if (vlan) {
		wr16(f + o, 0x8100);
		wr16(f + o + 2, 5);
		o += 4;
	}
	wr16(f + o, 0x86dd);
	o += 2;
	uint8_t *ip = f + o;

	ip[0] = 0x60;
	wr16(ip + 4, 8 + 20);
	ip[6] = nh;
	ip[7] = 64;
	ip[8] = 0x20;
	ip[23] = 1;
	memcpy(ip + 24, dst, 16);
	wr16(ip + 40, 40000);
	wr16(ip + 42, dport);
	wr16(ip + 44, 8 + 20);
	return o + 40 + 8 + 20;
}

/* Runs the program on frame; returns the verdict and which counter moved. */
static int run(const uint8_t *frame, uint32_t len, int *counter)
{
	uint64_t before[DNSP_XDP_NCOUNTERS], after[DNSP_XDP_NCOUNTERS];
	uint8_t out[512];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(dnsp_xdp_counters(prog, before), 0);
	assert_int_equal(bpf_prog_test_run_opts(dnsp_xdp_prog_fd(prog), &o), 0);
	assert_int_equal(dnsp_xdp_counters(prog, after), 0);
	*counter = -1;
	for (int i = 0; i < DNSP_XDP_NCOUNTERS; i++) {
		if (after[i] != before[i]) {
			assert_int_equal(*counter, -1); /* exactly one counter per frame */
			assert_true(after[i] == before[i] + 1);
			*counter = i;
		}
	}
	return (int)o.retval;
}

static void expect(const uint8_t *f, uint32_t len, int verdict, int counter)
{
	int c;

	assert_int_equal(run(f, len, &c), verdict);
	assert_int_equal(c, counter);
}

static void test_udp4_to_listener_is_steered(void **state)
{
	uint8_t f[256];

	(void)state;
	expect(f, mk4(f, false, 17, IP4_SERVER, 53), XDP_PASS, DNSP_XDP_UNBOUND);
}

static void test_udp6_to_listener_is_steered(void **state)
{
	uint8_t f[256];

	(void)state;
	expect(f, mk6(f, false, 17, IP6_SERVER, 53), XDP_PASS, DNSP_XDP_UNBOUND);
}

/* IEEE 802.1Q: one tag is looked through. */
static void test_vlan_tagged_udp_is_steered(void **state)
{
	uint8_t f[256];

	(void)state;
	expect(f, mk4(f, true, 17, IP4_SERVER, 53), XDP_PASS, DNSP_XDP_UNBOUND);
	expect(f, mk6(f, true, 17, IP6_SERVER, 53), XDP_PASS, DNSP_XDP_UNBOUND);
}

static void test_wildcard_listener_port_is_steered(void **state)
{
	uint8_t f[256];

	(void)state;
	expect(f, mk4(f, false, 17, IP4_OTHER, 5300), XDP_PASS, DNSP_XDP_UNBOUND);
}

/* Everything that is not UDP to a listener belongs to the kernel. */
static void test_other_traffic_passes(void **state)
{
	uint8_t f[256];
	uint32_t n;

	(void)state;
	expect(f, mk4(f, false, 6, IP4_SERVER, 53), XDP_PASS, DNSP_XDP_PASSED);   /* TCP 53 */
	expect(f, mk4(f, false, 1, IP4_SERVER, 53), XDP_PASS, DNSP_XDP_PASSED);   /* ICMP */
	expect(f, mk4(f, false, 17, IP4_SERVER, 54), XDP_PASS, DNSP_XDP_PASSED);  /* port */
	expect(f, mk4(f, false, 17, IP4_OTHER, 53), XDP_PASS, DNSP_XDP_PASSED);   /* address */
	expect(f, mk6(f, false, 6, IP6_SERVER, 53), XDP_PASS, DNSP_XDP_PASSED);
	expect(f, mk6(f, false, 58, IP6_SERVER, 53), XDP_PASS, DNSP_XDP_PASSED);  /* ICMPv6 */
	expect(f, mk6(f, false, 0, IP6_SERVER, 53), XDP_PASS, DNSP_XDP_PASSED);   /* ext hdr */
	n = mk4(f, false, 17, IP4_SERVER, 53);
	wr16(f + 12, 0x0806); /* ARP */
	expect(f, n, XDP_PASS, DNSP_XDP_PASSED);
	n = mk4(f, false, 17, IP4_SERVER, 53);
	wr16(f + 14 + 6, 0x2000); /* IPv4 fragment (MF): the kernel reassembles */
	expect(f, n, XDP_PASS, DNSP_XDP_PASSED);
}

/* A frame too short to show the UDP ports cannot be claimed: it passes. */
static void test_truncated_headers_pass(void **state)
{
	uint8_t f[256];
	uint32_t n4 = mk4(f, false, 17, IP4_SERVER, 53);

	(void)state;
	for (uint32_t n = 14; n < 14 + 20 + 8; n++)
		expect(f, n, XDP_PASS, DNSP_XDP_PASSED);
	mk6(f, true, 17, IP6_SERVER, 53);
	for (uint32_t n = 14; n < 18 + 40 + 8; n++)
		expect(f, n, XDP_PASS, DNSP_XDP_PASSED);
	(void)n4;
}

/* For a listener but lengths contradict the frame: dropped here. */
static void test_bad_lengths_for_listener_dropped(void **state)
{
	uint8_t f[256];
	uint32_t n;

	(void)state;
	n = mk4(f, false, 17, IP4_SERVER, 53);
	wr16(f + 14 + 2, 400);            /* IPv4 total length beyond the frame */
	expect(f, n, XDP_DROP, DNSP_XDP_DROPPED);
	n = mk4(f, false, 17, IP4_SERVER, 53);
	wr16(f + 14 + 20 + 4, 4);         /* UDP length below 8 */
	expect(f, n, XDP_DROP, DNSP_XDP_DROPPED);
	n = mk4(f, false, 17, IP4_SERVER, 53);
	wr16(f + 14 + 20 + 4, 200);       /* UDP length beyond the IP payload */
	expect(f, n, XDP_DROP, DNSP_XDP_DROPPED);
	n = mk4(f, false, 17, IP4_SERVER, 53);
	n -= 10;                          /* frame shorter than the IP total length */
	expect(f, n, XDP_DROP, DNSP_XDP_DROPPED);
	n = mk6(f, false, 17, IP6_SERVER, 53);
	wr16(f + 14 + 4, 900);            /* IPv6 payload length beyond the frame */
	expect(f, n, XDP_DROP, DNSP_XDP_DROPPED);
}

/* With an AF_XDP socket bound to the queue, steering is XDP_REDIRECT. */
static void test_redirect_with_bound_socket(void **state)
{
	static const char *const setup_cmds[] = {
		"ip link add xp0 type veth peer name xp1 >/dev/null 2>&1",
		"ip link set xp0 up >/dev/null 2>&1",
		"ip link set xp1 up >/dev/null 2>&1",
	};
	struct dnsp_xdp *att = NULL;
	struct xsk_umem *umem = NULL;
	struct xsk_socket *xsk = NULL;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	size_t sz = 4096 * 64;
	uint8_t f[256];
	uint8_t out[512];
	void *area;

	(void)state;
	/* A private network namespace: nothing to clean up, nothing shared. */
	if (unshare(CLONE_NEWNET) != 0)
		skip();
	for (size_t i = 0; i < sizeof(setup_cmds) / sizeof(setup_cmds[0]); i++)
		if (system(setup_cmds[i]) != 0)
			skip();
	assert_int_equal(dnsp_xdp_attach("xp0", DNSP_XDP_MODE_NATIVE, &att), 0);
	struct dnsp_dp_listener l = { .family = 4, .port = 53 };

	memcpy(l.addr, IP4_SERVER, 4);
	assert_int_equal(dnsp_xdp_set_listeners(att, &l, 1), 0);
	area = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(area != MAP_FAILED);
	memset(&fq, 0, sizeof(fq));
	memset(&cq, 0, sizeof(cq));
	memset(&rx, 0, sizeof(rx));
	memset(&tx, 0, sizeof(tx));
	assert_int_equal(xsk_umem__create(&umem, area, sz, &fq, &cq, NULL), 0);
	struct xsk_socket_config sc = {
		.rx_size = 64, .tx_size = 64,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	assert_int_equal(xsk_socket__create(&xsk, "xp0", 0, umem, &rx, &tx, &sc), 0);
	assert_int_equal(xsk_socket__update_xskmap(xsk, dnsp_xdp_xsk_map_fd(att)), 0);

	struct xdp_md ctx_in = { .ingress_ifindex = if_nametoindex("xp0"), .rx_queue_index = 0 };
	uint32_t n = mk4(f, false, 17, IP4_SERVER, 53);

	ctx_in.data_end = n;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = n,
		    .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = 1);
	assert_int_equal(bpf_prog_test_run_opts(dnsp_xdp_prog_fd(att), &o), 0);
	assert_int_equal(o.retval, XDP_REDIRECT);
	n = mk4(f, false, 6, IP4_SERVER, 53);
	o.data_size_in = n;
	ctx_in.data_end = n;
	o.data_size_out = sizeof(out);
	assert_int_equal(bpf_prog_test_run_opts(dnsp_xdp_prog_fd(att), &o), 0);
	assert_int_equal(o.retval, XDP_PASS);

	xsk_socket__delete(xsk);
	assert_int_equal(xsk_umem__delete(umem), 0);
	munmap(area, sz);
	dnsp_xdp_detach(att);
}

/* A dnsplane program whose owner still runs is left alone (-EBUSY); once
 * the owner is gone (crashed: no detach) the next attach recognises the
 * program by name, removes it and attaches; someone else's program is
 * refused. The owner is a child process. */
static void test_stale_program_replaced_live_and_foreign_refused(void **state)
{
	struct dnsp_xdp *b = NULL;
	int ifindex, up[2], down[2], status;
	char c = 0;
	pid_t child;

	(void)state;
	ifindex = (int)if_nametoindex("xp1");
	if (ifindex == 0)
		skip(); /* needs the namespace of the previous test */
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct dnsp_xdp *a = NULL;

		close(up[0]);
		close(down[1]); /* so the read below sees the parent's close */
		c = dnsp_xdp_attach("xp1", DNSP_XDP_MODE_SKB, &a) == 0 ? 'y' : 'n';
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(2);
		_exit(0); /* a crash: the program stays attached */
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	/* The owner runs: not replaced, in either mode. */
	assert_int_equal(dnsp_xdp_attach("xp1", DNSP_XDP_MODE_NATIVE, &b), -EBUSY);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	assert_int_not_equal(q.skb_prog_id, 0);
	/* The owner dies without detaching: now the program is stale. */
	close(down[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	close(up[0]);
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	assert_int_not_equal(q.skb_prog_id, 0);
	assert_int_equal(dnsp_xdp_attach("xp1", DNSP_XDP_MODE_NATIVE, &b), 0);
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	assert_int_equal(q.skb_prog_id, 0);
	assert_int_not_equal(q.drv_prog_id, 0);
	dnsp_xdp_detach(b);

	/* A foreign program: a minimal XDP_PASS loaded under another name. */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lo);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "someone_else", "GPL", insns, 2, &lo);

	assert_true(fd >= 0);
	assert_int_equal(bpf_xdp_attach(ifindex, fd, XDP_FLAGS_SKB_MODE, NULL), 0);
	assert_int_equal(dnsp_xdp_attach("xp1", DNSP_XDP_MODE_SKB, &b), -EBUSY);
	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	assert_int_not_equal(q.skb_prog_id, 0); /* still there */
	assert_int_equal(bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp4_to_listener_is_steered),
		cmocka_unit_test(test_udp6_to_listener_is_steered),
		cmocka_unit_test(test_vlan_tagged_udp_is_steered),
		cmocka_unit_test(test_wildcard_listener_port_is_steered),
		cmocka_unit_test(test_other_traffic_passes),
		cmocka_unit_test(test_truncated_headers_pass),
		cmocka_unit_test(test_bad_lengths_for_listener_dropped),
		cmocka_unit_test(test_redirect_with_bound_socket),
		cmocka_unit_test(test_stale_program_replaced_live_and_foreign_refused),
	};
	struct dnsp_dp_listener ls[3];
	int rc;

	if (geteuid() != 0) {
		printf("SKIP: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	rc = dnsp_xdp_open(&prog);
	if (rc == -EPERM || rc == -EACCES || rc == -ENOSYS) {
		printf("SKIP: the kernel does not let this process load BPF (%s)\n", strerror(-rc));
		return 77;
	}
	if (rc < 0) {
		printf("cannot load the XDP program: %s\n", strerror(-rc));
		return 1;
	}
	memset(ls, 0, sizeof(ls));
	ls[0].family = 4;
	memcpy(ls[0].addr, IP4_SERVER, 4);
	ls[0].port = 53;
	ls[1].family = 6;
	memcpy(ls[1].addr, IP6_SERVER, 16);
	ls[1].port = 53;
	ls[2].family = 4; /* 0.0.0.0:5300 */
	ls[2].port = 5300;
	if ((rc = dnsp_xdp_set_listeners(prog, ls, 3)) < 0) {
		printf("cannot fill the listener map: %s\n", strerror(-rc));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dnsp_xdp_detach(prog);
	return rc;
}
