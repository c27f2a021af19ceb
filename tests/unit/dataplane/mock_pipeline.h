/*
 * A stand-in for the query pipeline and the snapshot publisher, so the
 * socket back end can be tested without the real pipeline: the "pipeline"
 * echoes each message with the QR bit set, except a message whose first
 * byte is 0xFF, which it drops. It remembers the packet metadata of the
 * last call so tests can check what the back end passed in.
 */
#ifndef DNSP_TEST_MOCK_PIPELINE_H
#define DNSP_TEST_MOCK_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

struct mock_seen {
	uint64_t calls;
	uint8_t family;
	bool tcp;
	uint16_t listener;
	uint16_t src_port;
	uint16_t len, cap;
	uint8_t src[16];
};

/* Copies the metadata of the last dnsp_pipeline_process() call (any thread). */
void mock_pipeline_last(struct mock_seen *out);

#endif
