/* SPDX-License-Identifier: MIT */
/*
 * signature.c -- Slack's v0 signature with OpenSSL's HMAC: the signed text is
 * "v0:" + timestamp + ":" + body, taken byte for byte as it arrived (a parsed and
 * reprinted body would not match). The comparison runs in constant time, so the time
 * it takes tells nothing about how much of a forged signature was right.
 */
#include "signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int
slack_signature_make(const char *secret, const char *timestamp, const char *body, size_t len,
		     char *out, size_t outlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	struct buf text;
	int rc = -1;

	buf_init(&text);
	if (outlen < 3 + 2 * 32 + 1 || buf_printf(&text, "v0:%s:", timestamp) == -1 ||
	    buf_append(&text, body, len) == -1)
		goto out;
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)text.data,
		 text.len, mac, &maclen) == NULL)
		goto out;
	memcpy(out, "v0=", 3);
	for (i = 0; i < maclen; i++)
		snprintf(out + 3 + 2 * i, 3, "%02x", mac[i]);
	rc = 0;
out:
	buf_free(&text);
	return rc;
}

int
slack_signature_ok(const char *secret, const char *timestamp, const char *signature,
		   const char *body, size_t len, long long now, char *why, size_t whylen)
{
	char expected[3 + 2 * EVP_MAX_MD_SIZE + 1];
	long ts;

	if (timestamp == NULL || signature == NULL) {
		snprintf(why, whylen, "the request is not signed");
		return 0;
	}
	if (parse_long(timestamp, 0, 1L << 40, &ts) == -1) {
		snprintf(why, whylen, "the request's timestamp is not a number");
		return 0;
	}
	if (ts < now - SIGNATURE_WINDOW_S || ts > now + SIGNATURE_WINDOW_S) {
		snprintf(why, whylen, "the request's timestamp is %lld s away from now",
			 (long long)ts - now);
		return 0;
	}
	if (slack_signature_make(secret, timestamp, body, len, expected, sizeof(expected)) == -1) {
		snprintf(why, whylen, "out of memory");
		return 0;
	}
	if (strlen(signature) != strlen(expected) ||
	    CRYPTO_memcmp(signature, expected, strlen(expected)) != 0) {
		snprintf(why, whylen, "the signature does not match");
		return 0;
	}
	return 1;
}
