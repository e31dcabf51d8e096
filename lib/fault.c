/* SPDX-License-Identifier: BSD-3-Clause */
/* fault.c - see fault.h. */
#include "fault.h"

unsigned int fault_countdown[FAULT__N];
