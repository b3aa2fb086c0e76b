/* addr.c: hosts and addresses as libcurl sees them (see fetch.h): the
 * host of a URL read by libcurl's own parser, and what kind of address
 * an IP is (loopback, private, link-local, public ...).
 *
 * Decisions about where a request may go are taken on these, never on
 * the URL's text: "0127.0.0.1" is 87.0.0.1 to libcurl, "2130706433" is
 * 127.0.0.1. */
#include "fetch/fetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

int
fetch_url_host(const char *url, char *host, size_t len)
{
	CURLU *u = curl_url();
	char *h = NULL;
	int rc = -1;

	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && h &&
	    strlen(h) < len) {
		size_t n = strlen(h);
		/* "[::1]" as an address: without its brackets. */
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
			snprintf(host, len, "%.*s", (int)(n - 2), h + 1);
		else
			snprintf(host, len, "%s", h);
		rc = 0;
	}
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

static int
in4(uint32_t a, uint32_t net, int bits)
{
	uint32_t mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;

	return (a & mask) == net;
}

static int
class4(uint32_t a)
{
	if (in4(a, 0x7f000000, 8))
		return FETCH_IP_LOOPBACK;
	if (in4(a, 0x0a000000, 8) || in4(a, 0xac100000, 12) ||
	    in4(a, 0xc0a80000, 16))
		return FETCH_IP_PRIVATE;
	if (in4(a, 0xa9fe0000, 16))
		return FETCH_IP_LINK_LOCAL;
	/* "This network", shared address space (CGNAT), IETF protocol
	 * assignments, the documentation and benchmarking ranges,
	 * multicast and reserved, broadcast. */
	if (in4(a, 0x00000000, 8) || in4(a, 0x64400000, 10) ||
	    in4(a, 0xc0000000, 24) || in4(a, 0xc0000200, 24) ||
	    in4(a, 0xc6120000, 15) || in4(a, 0xc6336400, 24) ||
	    in4(a, 0xcb007100, 24) || in4(a, 0xe0000000, 4) ||
	    in4(a, 0xf0000000, 4))
		return FETCH_IP_RESERVED;
	return FETCH_IP_PUBLIC;
}

int
fetch_addr_class(int family, const void *addr)
{
	if (family == AF_INET) {
		uint32_t a;
		memcpy(&a, addr, 4);
		return class4(ntohl(a));
	}
	if (family == AF_INET6) {
		const unsigned char *b = addr;
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char nat64[12] = {
			0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		static const unsigned char zero[15] = {0};
		uint32_t a;
		/* IPv4 inside IPv6 is the IPv4 address it carries. */
		if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0) {
			memcpy(&a, b + 12, 4);
			return class4(ntohl(a));
		}
		if (memcmp(b, zero, 15) == 0)
			return b[15] == 1 ? FETCH_IP_LOOPBACK
					  : FETCH_IP_RESERVED;
		if ((b[0] & 0xfe) == 0xfc)
			return FETCH_IP_PRIVATE;              /* fc00::/7 */
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
			return FETCH_IP_LINK_LOCAL;           /* fe80::/10 */
		/* site-local (fec0::/10), multicast, documentation, the
		 * discard prefix, IPv4-compatible (::/96). */
		if ((b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) || b[0] == 0xff ||
		    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d &&
		     b[3] == 0xb8) ||
		    (b[0] == 0x01 && b[1] == 0 && memcmp(b + 2, zero, 6) == 0) ||
		    memcmp(b, zero, 12) == 0)
			return FETCH_IP_RESERVED;
		return FETCH_IP_PUBLIC;
	}
	return FETCH_IP_INVALID;
}

int
fetch_ip_class(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return fetch_addr_class(AF_INET, a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return fetch_addr_class(AF_INET6, a);
	return FETCH_IP_INVALID;
}

const char *
fetch_ip_class_name(int c)
{
	switch (c) {
	case FETCH_IP_PUBLIC: return "public";
	case FETCH_IP_LOOPBACK: return "loopback";
	case FETCH_IP_PRIVATE: return "private";
	case FETCH_IP_LINK_LOCAL: return "link-local";
	case FETCH_IP_RESERVED: return "reserved";
	default: return "not an IP address";
	}
}
