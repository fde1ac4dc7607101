/* SPDX-License-Identifier: MIT */
/*
 * Writes the golden snapshots (tests/snapshot/golden/v<N>/<scenario>.bin,
 * one directory per format version this library writes, from the oldest
 * version that can carry the scenario's state) and seeds for the fuzz
 * corpus (<corpus dir>/<scenario>-v<N>.bin) from the scenarios in
 * snap_util.c. Run from the source tree when a new format version is
 * added:
 *   build/default/tests/snapshot/gen_golden tests/snapshot/golden fuzz/corpus/restore
 * A released version's files never change afterwards (docs/snapshot.md):
 * test_snapshot_golden checks that every host's save in that version
 * reproduces them exactly and that every host restores them to the same
 * state.
 */
#include <stdio.h>
#include <stdlib.h>

#include "snap_util.h"

static int write_file(const char *dir, const char *name, uint32_t version, const unsigned char *p,
		      size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	if (version)
		snprintf(path, sizeof(path), "%s/v%u/%s.bin", dir, version, name);
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
		if (snap_vm_create_ram(&s, &cfg) || model_init(&m, &cfg))
			return 1;
		why = snap_scenario_run(sc, s.vm, &m);
		/* The model knows only the state of versions before 3. */
		if (why || (sc->since < 3u && (why = model_compare(&m, s.vm)))) {
			fprintf(stderr, "%s: %s\n", sc->name, why);
			return 1;
		}
		for (uint32_t v = sc->since; v <= PVIRQ_SNAPSHOT_VERSION; v++) {
			char seed[64];

			snprintf(seed, sizeof(seed), "%s-v%u", sc->name, v);
			buf = snap_save_version(s.vm, v, &len);
			if (write_file(argv[1], sc->name, v, buf, len) ||
			    (argc > 2 && write_file(argv[2], seed, 0, buf, len)))
				return 1;
			free(buf);
		}
		if (argc > 2 && k == 0) {
			/* The reset state too: the smallest valid snapshot. */
			pvirq_vm_reset(s.vm);
			buf = snap_save(s.vm, &len);
			if (write_file(argv[2], "reset", 0, buf, len))
				return 1;
			free(buf);
		}
		model_free(&m);
		snap_vm_destroy(&s);
	}
	return 0;
}
