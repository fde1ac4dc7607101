/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fixture.h"

static void record_notify(void *ctx, uint32_t vcpu)
{
	struct fixture *f = ctx;

	f->notified[vcpu]++;
}

static bool read_level(void *ctx, uint32_t vcpu, uint32_t intid)
{
	struct fixture *f = ctx;

	return f->level[vcpu][intid];
}

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	/* MPIDR-like, deliberately unsorted ids: lookup must not assume order. */
	f->cpu_ids[0] = 0x100;
	f->cpu_ids[1] = 0x0;
	f->cpu_ids[2] = 0x10000000001ull;
	f->cpu_ids[3] = 0x1;
	f->cfg = (struct pvirq_config){
		.nr_vcpus = FIX_VCPUS,
		.nr_trusted = FIX_TRUSTED,
		.nr_untrusted = FIX_UNTRUSTED,
		.nr_rvid_inputs = FIX_INPUTS,
		.cpu_ids = f->cpu_ids,
		.notify = record_notify,
		.notify_ctx = f,
		.line_level = read_level,
		.line_level_ctx = f,
	};
	assert_int_equal(pvirq_vm_create(&f->cfg, &f->vm), PVIRQ_OK);
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	pvirq_vm_destroy(f->vm);
	free(f);
	return 0;
}
