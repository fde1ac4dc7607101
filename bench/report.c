/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <math.h>
#include <string.h>

static void cell(FILE *out, double v, const char *unit)
{
	char buf[32];

	if (isnan(v))
		snprintf(buf, sizeof(buf), "-");
	else if (!strcmp(unit, "B"))
		snprintf(buf, sizeof(buf), "%.0f B", v);
	else
		snprintf(buf, sizeof(buf), "%.1f ns", v);
	fprintf(out, " %11s", buf);
}

static void ratio(FILE *out, double num, double den)
{
	char buf[32] = "-";

	if (!isnan(num) && !isnan(den) && den > 0)
		snprintf(buf, sizeof(buf), "%.2fx", num / den);
	fprintf(out, " %9s", buf);
}

void report_table(const struct report *r, FILE *out)
{
	const char *group = "";

	fprintf(out, "libpvirq benchmark: %u CPUs (%s), %s%u repetitions, median of each\n",
		r->ncpu, r->cpu_model, r->quick ? "QUICK smoke run, " : "", r->reps);
	fprintf(out, "load average %.2f at start, %.2f at end; %.1f s\n\n", r->load_start,
		r->load_end, r->seconds);
	fprintf(out, "%-46s %11s %11s %11s %9s %9s\n", "row", "libpvirq", "locked", "floor",
		"x floor", "speedup");
	for (unsigned i = 0; i < r->nr_rows; i++) {
		const struct report_row *row = &r->rows[i];

		if (strcmp(group, row->group)) {
			group = row->group;
			fprintf(out, "%s\n", group);
		}
		fprintf(out, "  %-44s", row->label);
		cell(out, row->value, row->unit);
		cell(out, row->locked, row->unit);
		cell(out, row->floor, row->unit);
		ratio(out, row->value, row->floor);
		ratio(out, row->locked, row->value);
		if (row->throughput && row->value > 0)
			fprintf(out, "   %.1f Mops/s", 1000.0 / row->value);
		fprintf(out, "\n");
	}
	fprintf(out, "\nx floor = libpvirq / floor (cost in units of the hardware floor);\n"
		     "speedup = locked / libpvirq (above 1: libpvirq is faster).\n\ntargets\n");
	for (unsigned i = 0; i < r->nr_targets; i++) {
		const struct report_target *t = &r->targets[i];

		fprintf(out, "  [%s] %s: %.2f (limit %s %.2f) %s\n",
			report_target_met(t) ? " met  " : "MISSED", t->text, t->figure,
			t->at_least ? ">=" : "<=", t->limit, t->detail ? t->detail : "");
	}
	if (!r->abi_rows)
		fprintf(out, "  [n/a   ] decode + dispatch rows: the hypercall decoders are not "
			     "in this build\n");
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_number(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.4g", v);
}

static void json_field(FILE *f, const char *key, double v)
{
	fprintf(f, ", \"%s\": ", key);
	json_number(f, v);
}

int report_json(const struct report *r, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\n  \"schema\": \"pvirq-bench/1\",\n  \"quick\": %s,\n",
		r->quick ? "true" : "false");
	fprintf(f, "  \"machine\": {\"cpus\": %u, \"cpu_model\": ", r->ncpu);
	json_string(f, r->cpu_model);
	fprintf(f, ", \"load_start\": %.2f, \"load_end\": %.2f},\n", r->load_start, r->load_end);
	fprintf(f, "  \"repetitions\": %u,\n  \"timer_overhead_ns\": ", r->reps);
	json_number(f, r->timer_ns);
	fprintf(f, ",\n  \"seconds\": %.1f,\n  \"abi_rows\": %s,\n  \"rows\": [\n", r->seconds,
		r->abi_rows ? "true" : "false");
	for (unsigned i = 0; i < r->nr_rows; i++) {
		const struct report_row *row = &r->rows[i];
		bool floor_ok = !isnan(row->floor) && row->floor > 0;
		bool locked_ok = !isnan(row->locked) && row->value > 0;

		fprintf(f, "    {\"id\": ");
		json_string(f, row->id);
		fprintf(f, ", \"group\": ");
		json_string(f, row->group);
		fprintf(f, ", \"label\": ");
		json_string(f, row->label);
		fprintf(f, ", \"unit\": ");
		json_string(f, row->unit);
		json_field(f, "libpvirq", row->value);
		json_field(f, "locked", row->locked);
		json_field(f, "floor", row->floor);
		fprintf(f, ", \"floor_name\": ");
		if (row->floor_name)
			json_string(f, row->floor_name);
		else
			fputs("null", f);
		json_field(f, "x_floor", floor_ok ? row->value / row->floor : NAN);
		json_field(f, "speedup_vs_locked", locked_ok ? row->locked / row->value : NAN);
		json_field(f, "mops",
			   row->throughput && row->value > 0 ? 1000.0 / row->value : NAN);
		fprintf(f, "}%s\n", i + 1 < r->nr_rows ? "," : "");
	}
	fprintf(f, "  ],\n  \"targets\": [\n");
	for (unsigned i = 0; i < r->nr_targets; i++) {
		const struct report_target *t = &r->targets[i];

		fprintf(f, "    {\"id\": ");
		json_string(f, t->id);
		fprintf(f, ", \"text\": ");
		json_string(f, t->text);
		json_field(f, "figure", t->figure);
		json_field(f, "limit", t->limit);
		fprintf(f, ", \"at_least\": %s, \"met\": %s, \"detail\": ",
			t->at_least ? "true" : "false", report_target_met(t) ? "true" : "false");
		json_string(f, t->detail ? t->detail : "");
		fprintf(f, "}%s\n", i + 1 < r->nr_targets ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -1 : 0;
}
