/* SPDX-License-Identifier: MIT */
/*
 * account.h -- signing in at start: who the access token belongs to (whoami), the name
 * people see (to recognise "RulingBot: ..." from older clients), and the sync filter,
 * uploaded so that /sync sends only what the bot reads.
 */
#ifndef RULINGBOT_MATRIX_ACCOUNT_H
#define RULINGBOT_MATRIX_ACCOUNT_H

#define ACCOUNT_REFUSED 3 /* the exit status when the token is refused */

struct account {
	char user_id[256];	/* "@rulingbot:example.org" */
	char localpart[256];	/* "rulingbot" */
	char display_name[256]; /* "RulingBot", or "" */
	char filter_id[256];
};

/* The event types the bot reads from a room's timeline (a JSON array), in /sync and
 * when it pages back through a gap: messages, encrypted ones (to notice unreadable
 * rooms), and members joining and leaving (to tell a direct chat from a group). */
#define ACCOUNT_TIMELINE_TYPES "[\"m.room.message\",\"m.room.encrypted\",\"m.room.member\"]"

/* The filter the bot syncs with (JSON). */
extern const char account_filter[];

/* Signs in at homeserver with token, trusting ca_file (NULL: the system's), and fills a.
 * A network error or 5xx is tried a few times. Returns 0; ACCOUNT_REFUSED when the token
 * is refused; 1 on any other failure. Logs why. */
int account_sign_in(const char *homeserver, const char *token, const char *ca_file,
		    struct account *a);

#endif
