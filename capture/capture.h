/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.h - netctl capture: the datapath's copies of what interfaces
 * receive and send (datapath.h, "Capture"), written out as pcapng or as
 * one line per frame, to a descriptor netctl hands over with its request.
 *
 * A session lives from its verb until netctl closes (or shuts down its
 * side of) the lifeline it sent along, until it has written count frames
 * or run for duration seconds, or until its output cannot be written: it
 * then writes a statistics block per interface (frames kept, dropped),
 * closes the output and writes a summary line on the lifeline.
 */
#ifndef SWITCHD_CAPTURE_H
#define SWITCHD_CAPTURE_H

#include <stdint.h>

struct switchd;

/* Move the sessions on: write what the datapath kept, end those that are
 * done. Returns the milliseconds until it should be called again (-1:
 * no session). */
int capture_run(struct switchd *sd);

/* End every session (switchd stops). */
void capture_stop_all(struct switchd *sd);

#endif
