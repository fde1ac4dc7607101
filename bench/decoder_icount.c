/* SPDX-License-Identifier: MIT */
/*
 * decoder_icount direct|decoders CYCLES: runs CYCLES interrupt cycles
 * (SIGNAL own vCPU, ACKNOWLEDGE, CLEAR_MASKED: 3 hypercalls each) as direct
 * core calls, or through each architecture's decoder in turn (arm64,
 * x86_64, riscv64), and nothing else, calling icount_mode_done() after
 * each. (Two runs, because callgrind's --toggle-collect toggles: the core
 * calls nested in a decoder must not be toggle points of the same run.) No clock, no
 * threads: under `valgrind --tool=callgrind --dump-after=icount_mode_done`
 * it gives the exact, repeatable instruction count of each mode in one run
 * (bench/decoder_cost.py does that).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvirq/pvirq.h>

#include "decode.h"

/* A dump point for callgrind (--dump-after): not inlined, not optimised
 * away, so every mode's count ends at its call. */
__attribute__((noinline)) void icount_mode_done(const char *mode);
__attribute__((noinline)) void icount_mode_done(const char *mode)
{
	__asm__ volatile("" : : "r"(mode) : "memory");
}

int main(int argc, char **argv)
{
	unsigned long cycles = argc == 3 ? strtoul(argv[2], NULL, 0) : 0;
	bool direct = argc == 3 && !strcmp(argv[1], "direct");
	struct pvirq_vm *vm;

	if ((!direct && (argc != 3 || strcmp(argv[1], "decoders"))) || cycles == 0 ||
	    cycles > 100000000ul) {
		fprintf(stderr, "usage: %s direct|decoders CYCLES\n", argv[0]);
		return 2;
	}
	vm = decode_cycle_vm();
	if (direct) {
		decode_cycles_direct(vm, (uint32_t)cycles);
		icount_mode_done("direct");
	}
	for (unsigned a = 0; !direct && a < decode_nr_arches; a++) {
		decode_cycles_via_abi(vm, a, (uint32_t)cycles);
		icount_mode_done(decode_arch_names[a]);
	}
	pvirq_vm_destroy(vm);
	printf("%lu cycles (%lu hypercalls) %s\n", cycles, cycles * 3,
	       direct ? "as direct core calls" : "through each decoder");
	return 0;
}
