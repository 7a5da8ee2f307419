/* SPDX-License-Identifier: MIT */
/* A console session: the pre-login banner, login with the persistent lockout, the command loop, logout. */
#ifndef ANPR_SESSION_H
#define ANPR_SESSION_H

#include "diag.h"

/*
 * Runs sessions on the console until Ctrl-D at the login prompt or a
 * hangup: banner (firmware, device, whether anprd runs: nothing else before
 * login), login (5 failures lock the console, see auth.h), then commands
 * until logout, Ctrl-D or idle_s seconds without a key. Every login,
 * failure, lockout, logout and command is audited. Returns the exit status.
 */
int anpr_session_run(anpr_diag *d, int idle_s);

/* Prints the pre-login banner (also used by -c). */
void anpr_session_banner(anpr_diag *d);

#endif
