/* SPDX-License-Identifier: MIT */
#include "vmm.h"
int demo_simulate(const struct demo_options *opt, struct demo_result *r)
{
	(void)opt;
	(void)r;
	return -1;
}
