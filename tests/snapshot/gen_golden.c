/* SPDX-License-Identifier: MIT */
/*
 * Writes the golden snapshots (tests/snapshot/golden/<scenario>.bin) and the
 * fuzz seed corpus (fuzz/corpus/restore/) from the scenarios in
 * snap_util.c. Run from the source tree after a format change:
 *   build/default/tests/snapshot/gen_golden tests/snapshot/golden fuzz/corpus/restore
 * test_snapshot_golden then checks that every host's save reproduces these
 * bytes exactly and that every host restores them to the same state.
 */
#include <stdio.h>
#include <stdlib.h>

#include "snap_util.h"

static int write_file(const char *dir, const char *name, const unsigned char *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		return -1;
	}
	printf("%s: %zu bytes\n", path, len);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <golden dir> [<corpus dir>]\n", argv[0]);
		return 2;
	}
	for (unsigned k = 0; k < snap_nr_scenarios; k++) {
		const struct snap_scenario *sc = &snap_scenarios[k];
		uint64_t ids[64];
		struct pvirq_config cfg;
		struct snap_vm s;
		struct model m;
		const char *why;
		unsigned char *buf;
		size_t len;

		snap_scenario_config(sc, &cfg, ids);
		if (snap_vm_create(&s, &cfg) || model_init(&m, &cfg))
			return 1;
		why = snap_scenario_run(sc, s.vm, &m);
		if (why || (why = model_compare(&m, s.vm))) {
			fprintf(stderr, "%s: %s\n", sc->name, why);
			return 1;
		}
		buf = snap_save(s.vm, &len);
		if (write_file(argv[1], sc->name, buf, len) ||
		    (argc > 2 && write_file(argv[2], sc->name, buf, len)))
			return 1;
		if (argc > 2 && k == 0) {
			/* The reset state too: the smallest valid snapshot. */
			pvirq_vm_reset(s.vm);
			free(buf);
			buf = snap_save(s.vm, &len);
			if (write_file(argv[2], "reset", buf, len))
				return 1;
		}
		free(buf);
		model_free(&m);
		snap_vm_destroy(&s);
	}
	return 0;
}
