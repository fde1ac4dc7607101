/* SPDX-License-Identifier: MIT */
/*
 * pvirq-kvm-demo: runs the same guest workload on libpvirq and on KVM's
 * in-kernel LAPIC, one VM after the other, and prints them side by side.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

#define EXIT_SKIP 77 /* CTest SKIP_RETURN_CODE */

const struct demo_variant_info demo_variants[VARIANT_NR] = {
	[VARIANT_PVIRQ] = {.option = "pvirq",
			   .label = "libpvirq",
			   .guest_mode = DEMO_MODE_PVIRQ,
			   .lapic_eoi = DEMO_EOI_NONE},
	[VARIANT_PVIRQ_SHARED] = {.option = "pvirq-shared",
				  .label = "pvirq shared",
				  .guest_mode = DEMO_MODE_PVIRQ,
				  .irqchip = true,
				  .shared_state = true,
				  .lapic_eoi = DEMO_EOI_PV},
	[VARIANT_PVIRQ_SHARED_INT] = {.option = "pvirq-shared-int",
				      .label = "shared+KVM_INT",
				      .guest_mode = DEMO_MODE_PVIRQ,
				      .shared_state = true,
				      .lapic_eoi = DEMO_EOI_NONE},
	[VARIANT_LAPIC] = {.option = "lapic",
			   .label = "LAPIC",
			   .guest_mode = DEMO_MODE_LAPIC,
			   .irqchip = true,
			   .lapic_eoi = DEMO_EOI_MSR},
	[VARIANT_LAPIC_PVEOI] = {.option = "lapic-pveoi",
				 .label = "LAPIC+PV-EOI",
				 .guest_mode = DEMO_MODE_LAPIC,
				 .irqchip = true,
				 .lapic_eoi = DEMO_EOI_PV},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvirq-kvm-demo [options]\n"
		"  --mode MODES      comma list of pvirq, pvirq-shared, pvirq-shared-int,\n"
		"                    lapic, lapic-pveoi; or all (default), both (pvirq,lapic),\n"
		"                    faults, sim (= --sim --mode pvirq,pvirq-shared)\n"
		"  --sim             simulate the libpvirq modes with threads as vCPUs\n"
		"  --level-device    shared-state modes: device 0 is level-triggered (#18)\n"
		"  --storm-work N    every device handler busy-loops N times (a storm)\n"
		"  --timer-class C   shared-state modes: the timer INTID's priority class\n"
		"  --nmi-us US       shared-state modes (KVM): an NMI-class INTID every US\n"
		"  --seconds S       measured time per mode (default 5)\n"
		"  --vcpus N         vCPUs (default 2, max %u)\n"
		"  --devices N       device threads (default 3, max %u)\n"
		"  --timer-us US     per-vCPU timer period (default 1000, 0: off)\n"
		"  --ipi-us US       minimum gap between IPIs (default 50, 0: off)\n"
		"  --retarget-us US  gap between retargets per vCPU (default 500, 0: off)\n"
		"  --json FILE       also write the results as JSON\n"
		"  --check           exit 1 unless nothing was lost, every source fired\n"
		"                    and retargets happened\n"
		"  --require-kvm     without /dev/kvm exit %d (skip) instead of simulating\n"
		"  --verbose         print each mode's per-vCPU table\n",
		DEMO_MAX_VCPUS, DEMO_MAX_DEVICES, EXIT_SKIP);
}

/* --mode: a comma list of variants, or one of the shorthands. */
static bool parse_modes(struct demo_options *o)
{
	char list[256], *save = NULL;
	bool any = false;

	if (strcmp(o->mode, "faults") == 0)
		return true;
	if (strcmp(o->mode, "sim") == 0) {
		o->simulate = true;
		o->variants[VARIANT_PVIRQ] = o->variants[VARIANT_PVIRQ_SHARED] = true;
		return true;
	}
	if (strcmp(o->mode, "all") == 0) {
		for (int v = 0; v < VARIANT_NR; v++)
			o->variants[v] = true;
		return true;
	}
	if (strcmp(o->mode, "both") == 0) {
		o->variants[VARIANT_PVIRQ] = o->variants[VARIANT_LAPIC] = true;
		return true;
	}
	if (strlen(o->mode) >= sizeof(list))
		return false;
	strcpy(list, o->mode);
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int v = 0;

		while (v < VARIANT_NR && strcmp(tok, demo_variants[v].option) != 0)
			v++;
		if (v == VARIANT_NR)
			return false;
		o->variants[v] = true;
		any = true;
	}
	return any;
}

static bool parse(int argc, char **argv, struct demo_options *o)
{
	enum {
		O_MODE = 1,
		O_SECONDS,
		O_VCPUS,
		O_DEVICES,
		O_TIMER,
		O_IPI,
		O_RETARGET,
		O_JSON,
		O_POLL,
		O_CHECK,
		O_REQUIRE,
		O_VERBOSE,
		O_SIM,
		O_LEVEL,
		O_STORM,
		O_TIMER_CLASS,
		O_NMI,
		O_HELP
	};
	static const struct option longs[] = {
		{"mode", required_argument, NULL, O_MODE},
		{"seconds", required_argument, NULL, O_SECONDS},
		{"vcpus", required_argument, NULL, O_VCPUS},
		{"devices", required_argument, NULL, O_DEVICES},
		{"timer-us", required_argument, NULL, O_TIMER},
		{"ipi-us", required_argument, NULL, O_IPI},
		{"retarget-us", required_argument, NULL, O_RETARGET},
		{"json", required_argument, NULL, O_JSON},
		{"halt-poll-us", required_argument, NULL, O_POLL},
		{"check", no_argument, NULL, O_CHECK},
		{"require-kvm", no_argument, NULL, O_REQUIRE},
		{"verbose", no_argument, NULL, O_VERBOSE},
		{"sim", no_argument, NULL, O_SIM},
		{"level-device", no_argument, NULL, O_LEVEL},
		{"storm-work", required_argument, NULL, O_STORM},
		{"timer-class", required_argument, NULL, O_TIMER_CLASS},
		{"nmi-us", required_argument, NULL, O_NMI},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct demo_options){.vcpus = 2,
				   .devices = 3,
				   .seconds = 5,
				   .timer_us = 1000,
				   .ipi_us = 50,
				   .retarget_us = 500,
				   .mode = "all"};
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case O_MODE: o->mode = optarg; break;
		case O_SECONDS: o->seconds = atof(optarg); break;
		case O_VCPUS: o->vcpus = (unsigned)atoi(optarg); break;
		case O_DEVICES: o->devices = (unsigned)atoi(optarg); break;
		case O_TIMER: o->timer_us = (unsigned)atoi(optarg); break;
		case O_IPI: o->ipi_us = (unsigned)atoi(optarg); break;
		case O_RETARGET: o->retarget_us = (unsigned)atoi(optarg); break;
		case O_JSON: o->json_path = optarg; break;
		case O_POLL: o->halt_poll_us = (unsigned)atoi(optarg); break;
		case O_CHECK: o->check = true; break;
		case O_REQUIRE: o->require_kvm = true; break;
		case O_VERBOSE: o->verbose = true; break;
		case O_SIM: o->simulate = true; break;
		case O_LEVEL: o->level_device = true; break;
		case O_STORM: o->storm_work = (unsigned)atoi(optarg); break;
		case O_TIMER_CLASS: o->timer_class = (unsigned)atoi(optarg); break;
		case O_NMI: o->nmi_us = (unsigned)atoi(optarg); break;
		case O_HELP: usage(stdout); exit(0);
		default: return false;
		}
	}
	if (optind != argc || o->vcpus < 1 || o->vcpus > DEMO_MAX_VCPUS || o->devices < 1 ||
	    o->devices > DEMO_MAX_DEVICES || o->seconds <= 0 || o->seconds > 3600 ||
	    o->timer_class > 2 || o->storm_work > 100000)
		return false;
	return parse_modes(o);
}

/* Sleeps for the measured window, returning early (false) if a vCPU died. */
static bool measure(struct demo_vm *vm, double seconds)
{
	uint64_t end = demo_now_ns() + (uint64_t)(seconds * 1e9);

	while (demo_now_ns() < end) {
		for (uint32_t i = 0; i < vm->nr_vcpus; i++)
			if (atomic_load_explicit(&vm->vcpus[i].finished, memory_order_acquire))
				return false;
		usleep(10000);
	}
	return true;
}

static bool wait_ready(struct demo_vm *vm)
{
	uint64_t end = demo_now_ns() + 5000000000ull;

	while (!atomic_load_explicit((_Atomic uint32_t *)&vm->shared->ready,
				     memory_order_acquire)) {
		if (demo_now_ns() > end)
			return false;
		for (uint32_t i = 0; i < vm->nr_vcpus; i++)
			if (atomic_load_explicit(&vm->vcpus[i].finished, memory_order_acquire))
				return false;
		usleep(1000);
	}
	return true;
}

/* Stop order: devices drain their last interrupt, the timer stops, then
 * the guest is told to stop, drain IPIs and timer ticks, and exit. */
static bool stop_guest(struct demo_vm *vm)
{
	demo_devices_stop(vm);
	demo_timer_stop(vm);
	demo_nmi_stop(vm);
	atomic_store_explicit((_Atomic uint64_t *)&vm->shared->drain_deadline_tsc,
			      demo_rdtsc() + 3 * vm->tsc_khz * 1000, memory_order_seq_cst);
	atomic_store_explicit((_Atomic uint32_t *)&vm->shared->stop, 1, memory_order_seq_cst);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		demo_send_wake(vm, i);
	return demo_vcpus_join(vm, 10000);
}

static int run_mode(const struct demo_options *opt, const struct demo_variant_info *variant,
		    struct demo_result *r)
{
	struct demo_vm *vm = calloc(1, sizeof(*vm));
	struct demo_snapshot a, b;
	int err;

	if (!vm)
		return -1;
	err = demo_vm_create(vm, opt, variant->guest_mode, variant);
	if (err) {
		fprintf(stderr, "%s: creating the VM failed: %s\n", r->name, strerror(-err));
		demo_vm_destroy(vm);
		free(vm);
		return -1;
	}
	if (!vm->tsc_shared)
		fprintf(stderr,
			"%s: cannot give the guest the host TSC (KVM_VCPU_TSC_OFFSET): "
			"latencies not measured\n",
			r->name);
	if (demo_vcpus_start(vm) || demo_devices_start(vm)) {
		fprintf(stderr, "%s: starting threads failed\n", r->name);
		return -1; /* threads may be running: leak the VM, the process exits */
	}
	if (!wait_ready(vm)) {
		fprintf(stderr, "%s: the guest did not come up\n", r->name);
		stop_guest(vm);
		return -1;
	}
	demo_snapshot_take(vm, &a);
	if (!measure(vm, opt->seconds))
		fprintf(stderr, "%s: a vCPU stopped early\n", r->name);
	demo_snapshot_take(vm, &b);
	if (!stop_guest(vm)) {
		fprintf(stderr, "%s: the guest did not stop within 10 s\n", r->name);
		return -1;
	}
	demo_result_fill(vm, &a, &b, r);
	demo_vm_destroy(vm);
	free(vm);
	return 0;
}

static int run_faults(const struct demo_options *opt)
{
	struct demo_vm *vm = calloc(1, sizeof(*vm));
	int err, failed = 0;

	if (!vm)
		return 1;
	err = demo_vm_create(vm, opt, DEMO_MODE_FAULTS, &demo_variants[VARIANT_PVIRQ]);
	if (err || demo_vcpus_start(vm)) {
		fprintf(stderr, "faults: creating the VM failed: %s\n", strerror(-err));
		return 1;
	}
	if (!demo_vcpus_join(vm, 10000)) {
		fprintf(stderr, "faults: the guest hung\n");
		return 1;
	}
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		printf("faults: vcpu%u exit code %#x\n", i, (unsigned)vm->vcpus[i].exit_code);
		if (vm->vcpus[i].exit_code != 0)
			failed = 1;
	}
	printf("faults: %u hypercalls handled, the VMM kept running: %s\n",
	       (unsigned)atomic_load(&vm->vcpus[0].exits[EXIT_HYPERCALL]),
	       failed ? "FAILED" : "OK");
	demo_vm_destroy(vm);
	free(vm);
	return failed;
}

/* Simulates every libpvirq variant asked for (the LAPIC ones need KVM;
 * if only those were asked for, the trapping libpvirq stands in). */
static size_t simulate_all(struct demo_options *opt, struct demo_result *res)
{
	static char names[VARIANT_NR][64];
	size_t nr = 0;

	if (!opt->variants[VARIANT_PVIRQ] && !opt->variants[VARIANT_PVIRQ_SHARED] &&
	    !opt->variants[VARIANT_PVIRQ_SHARED_INT])
		opt->variants[VARIANT_PVIRQ] = true;
	for (int v = 0; v < VARIANT_NR; v++) {
		const struct demo_variant_info *variant = &demo_variants[v];

		if (!opt->variants[v] || variant->guest_mode != DEMO_MODE_PVIRQ ||
		    (v == VARIANT_PVIRQ_SHARED_INT && opt->variants[VARIANT_PVIRQ_SHARED]))
			continue; /* the simulation has one upcall path: one shared run */
		snprintf(names[v], sizeof(names[v]), "%s (simulation, no VM)", variant->label);
		res[nr].name = names[v];
		res[nr].variant = variant;
		if (demo_simulate(opt, variant, &res[nr]))
			return SIZE_MAX;
		nr++;
	}
	return nr;
}

int main(int argc, char **argv)
{
	struct demo_options opt;
	struct demo_result res[VARIANT_NR] = {{0}};
	const char *why = NULL;
	bool kvm, ok = true, simulated = false;
	size_t nr = 0;

	if (!parse(argc, argv, &opt)) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	kvm = !opt.simulate && demo_kvm_available(&why);
	if (!kvm && !opt.simulate) {
		printf("No usable KVM: %s.\n", why);
		if (opt.require_kvm) {
			printf("SKIP: this test needs /dev/kvm\n");
			return EXIT_SKIP;
		}
	}
	if (kvm && strcmp(opt.mode, "faults") == 0)
		return run_faults(&opt);

	if (!kvm) {
		printf("Running a USERSPACE SIMULATION instead: threads play the vCPUs and call\n"
		       "the same libpvirq decoder; there is no VM, no exits and no baseline.\n");
		nr = simulate_all(&opt, res);
		if (nr == SIZE_MAX)
			return 1;
		simulated = true;
	} else {
		printf("pvirq-kvm-demo: %u vCPUs, %u devices, timer %u us, IPI gap %u us, "
		       "retarget gap %u us, %.1f s per mode\n",
		       opt.vcpus, opt.devices, opt.timer_us, opt.ipi_us, opt.retarget_us,
		       opt.seconds);
		for (int v = 0; v < VARIANT_NR; v++) {
			if (!opt.variants[v])
				continue;
			res[nr].name = demo_variants[v].label;
			res[nr].variant = &demo_variants[v];
			if (run_mode(&opt, &demo_variants[v], &res[nr]))
				return 1;
			nr++;
		}
	}
	if (!nr) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < nr; i++) {
		if (opt.verbose || nr == 1 || !res[i].ok)
			demo_print_result(&res[i], opt.vcpus, opt.devices);
		if (!demo_result_check(&res[i], &opt, false))
			ok = false;
	}
	if (nr > 1)
		demo_print_comparison(res, nr);
	if (opt.json_path) {
		if (demo_write_json(opt.json_path, &opt, res, nr, simulated))
			fprintf(stderr, "cannot write %s\n", opt.json_path);
		else
			printf("\nJSON: %s\n", opt.json_path);
	}
	printf("\n%s\n", ok ? "RESULT: OK (lost = 0, every source handled)" : "RESULT: FAILED");
	return opt.check && !ok ? 1 : 0;
}
