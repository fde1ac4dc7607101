/* SPDX-License-Identifier: MIT */
/*
 * Boot of the EL2 hypervisor: MMU first, then (CPU 0) the command line,
 * the GIC, the libpvirq VM in static memory, the guest image and control
 * block, stage 2, and the first vCPU. Other CPUs come up when the guest
 * asks PSCI CPU_ON for them; each sets up its own EL2 state and enters
 * its vCPU at the entry point the guest gave.
 */
#include "../../baremetal-common/print.h"
#include "hyp.h"

#define UART_BASE 0x09000000ul /* PL011 */
#define UART_DR 0x00u
#define UART_FR 0x18u
#define UART_FR_TXFF (1u << 5)

#define HCR_VM (1ull << 0)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_TSC (1ull << 19)
#define HCR_RW (1ull << 31)
#define CPTR_EL2_RES1 0x33FFull /* TFP clear: FP/SIMD not trapped */
#define CNTHCTL_EL1PCTEN_EL1PCEN 3ull
#define SCTLR_EL1_RES1 0x30D00800ull

struct hyp hyp;

/* The libpvirq VM lives in static memory: the library never allocates. */
static uint8_t vm_memory[16384] __attribute__((aligned(PVIRQ_CACHE_LINE)));

extern char guest_image_start[], guest_image_end[];

void bm_putc(char c)
{
	volatile uint32_t *uart = (volatile uint32_t *)UART_BASE;

	if (c == '\n')
		bm_putc('\r');
	while (uart[UART_FR / 4] & UART_FR_TXFF)
		;
	uart[UART_DR / 4] = (uint8_t)c;
}

static bool word_is(const char *s, size_t n, const char *word)
{
	size_t i = 0;

	while (i < n && word[i] && s[i] == word[i])
		i++;
	return i == n && !word[i];
}

static uint64_t number(const char *s, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

/* "key=value" words of the semihosting command line (QEMU: the kernel's
 * path, then -append); anything else is ignored. */
static void parse_config(struct hyp_config *cfg)
{
	static char line[512];
	size_t len = fw_cmdline(line, sizeof(line)), i = 0;

	*cfg = (struct hyp_config){.mode = DEMO_MODE_PVIRQ,
				   .nr_cpus = 2,
				   .nr_devices = 3,
				   .duration_ms = 200,
				   .timer_us = 1000,
				   .ipi_us = 100,
				   .retarget_us = 200,
				   .device_tick_us = 100,
				   .level_devices = 1u}; /* device 0 */
	line[len] = 0;
	while (i < len) {
		size_t start = i, eq = 0, key_len, value_len;
		const char *value;

		while (i < len && line[i] != ' ') {
			if (line[i] == '=' && !eq)
				eq = i;
			i++;
		}
		if (eq) {
			key_len = eq - start;
			value = &line[eq + 1];
			value_len = i - eq - 1;
			if (word_is(&line[start], key_len, "mode"))
				cfg->mode = word_is(value, value_len, "faults")	 ? DEMO_MODE_FAULTS
					    : word_is(value, value_len, "crash") ? EL2_MODE_CRASH
										 : DEMO_MODE_PVIRQ;
			else if (word_is(&line[start], key_len, "cpus"))
				cfg->nr_cpus = (uint32_t)number(value, value_len);
			else if (word_is(&line[start], key_len, "devices"))
				cfg->nr_devices = (uint32_t)number(value, value_len);
			else if (word_is(&line[start], key_len, "ms"))
				cfg->duration_ms = number(value, value_len);
			else if (word_is(&line[start], key_len, "timer_us"))
				cfg->timer_us = number(value, value_len);
			else if (word_is(&line[start], key_len, "ipi_us"))
				cfg->ipi_us = number(value, value_len);
			else if (word_is(&line[start], key_len, "retarget_us"))
				cfg->retarget_us = number(value, value_len);
			else if (word_is(&line[start], key_len, "tick_us"))
				cfg->device_tick_us = number(value, value_len);
			else if (word_is(&line[start], key_len, "shared"))
				cfg->pv_options |=
					number(value, value_len) ? DEMO_PV_SHARED_STATE : 0;
			else if (word_is(&line[start], key_len, "timer_class"))
				cfg->pv_options |=
					number(value, value_len) ? DEMO_PV_TIMER_CLASS : 0;
			else if (word_is(&line[start], key_len, "level"))
				cfg->level_devices = (uint32_t)number(value, value_len);
		}
		i++;
	}
	if (cfg->mode != DEMO_MODE_PVIRQ)
		cfg->nr_devices = 0;
	cfg->level_devices &= (1u << cfg->nr_devices) - 1u;
}

static const char *mode_name(uint32_t mode)
{
	return mode == DEMO_MODE_FAULTS ? "faults" : mode == EL2_MODE_CRASH ? "crash" : "workload";
}

static bool config_ok(const struct hyp_config *cfg)
{
	return cfg->nr_cpus >= 1 && cfg->nr_cpus <= HYP_MAX_CPUS &&
	       cfg->nr_devices <= DEMO_MAX_DEVICES && cfg->device_tick_us >= 10 &&
	       cfg->timer_us >= 10;
}

/* libpvirq's notify: the target's line may have risen. Its own CPU
 * re-arms before every ERET; any other CPU gets an SGI, which takes it
 * out of the guest (or its WFI) into hyp_trap() and so to the re-arm. */
static void kick(void *ctx, uint32_t vcpu)
{
	uint32_t self = this_cpu();

	(void)ctx;
	if (vcpu == self)
		return;
	COUNT_TRAP(self, kicks_sent);
	gic_send_sgi(vcpu, EL2_INTID_KICK);
}

/* RVIC_SHARE_STATE's page: guest RAM, through stage 2, or refused. */
static void *guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)ctx;
	(void)vcpu;
	return mmu_stage2_host(gpa, size);
}

static void setup_vm(void)
{
	struct pvirq_config pc = {
		.nr_vcpus = hyp.cfg.nr_cpus,
		.nr_trusted = DEMO_NR_TRUSTED,
		.nr_untrusted = DEMO_NR_UNTRUSTED,
		.nr_rvid_inputs = DEMO_NR_UNTRUSTED,
		.cpu_ids = 0, /* vCPU i has MPIDR affinity i */
		.notify = kick,
		.guest_page = guest_page,
		.resample = devices_resample,
		/* QEMU 7.2's -cpu max has no FEAT_NMI: no second line, so the
		 * NMI class is refused (RVIC_SET_PRIORITY class 3). */
		.nmi_line = false,
	};
	size_t need = pvirq_vm_footprint(&pc);
	int err;

	if (!need || need > sizeof(vm_memory))
		hyp_finish("libpvirq VM does not fit its static memory");
	err = pvirq_vm_init(vm_memory, sizeof(vm_memory), &pc, &hyp.vm);
	if (err != PVIRQ_OK)
		hyp_finish("pvirq_vm_init failed");
	devices_init();
}

static void setup_guest(void)
{
	size_t image = (size_t)(guest_image_end - guest_image_start);
	struct demo_shared *sh = (struct demo_shared *)(uintptr_t)EL2_SHARED_IPA;
	uint64_t khz = hyp.counter_khz;

	if (image > EL2_GUEST_IMAGE_MAX)
		hyp_finish("guest image too large");
	__builtin_memcpy((void *)(uintptr_t)EL2_GUEST_BASE, guest_image_start, image);
	__builtin_memset(sh, 0, sizeof(*sh));
	sh->mode = hyp.cfg.mode;
	sh->nr_vcpus = hyp.cfg.nr_cpus;
	sh->nr_devices = hyp.cfg.nr_devices;
	sh->tsc_khz = khz;
	sh->retarget_period_tsc = hyp.cfg.retarget_us * khz / 1000u;
	sh->ipi_period_tsc = hyp.cfg.ipi_us * khz / 1000u;
	sh->timer_period_tsc = hyp.cfg.timer_us * khz / 1000u;
	sh->pv_options = hyp.cfg.pv_options;
	sh->level_devices = hyp.cfg.level_devices;
	/* seq_cst: the magic last, as the guest checks it first. */
	__atomic_store_n(&sh->magic, DEMO_MAGIC, __ATOMIC_SEQ_CST);
	hyp.shared = sh;
}

/* This CPU's EL2 state for running its vCPU. */
static void setup_el2_cpu(uint32_t cpu)
{
	SYSREG_WRITE(cptr_el2, CPTR_EL2_RES1);
	SYSREG_WRITE(cnthctl_el2, CNTHCTL_EL1PCTEN_EL1PCEN);
	SYSREG_WRITE(cntvoff_el2, 0);
	SYSREG_WRITE(vpidr_el2, SYSREG_READ(midr_el1));
	SYSREG_WRITE(vmpidr_el2, SYSREG_READ(mpidr_el1));
	SYSREG_WRITE(sctlr_el1, SCTLR_EL1_RES1); /* guest MMU off at entry */
	SYSREG_WRITE(cntv_ctl_el0, 0);
	mmu_enable_stage2();
	SYSREG_WRITE(hcr_el2, HCR_RW | HCR_VM | HCR_IMO | HCR_FMO | HCR_AMO | HCR_TSC);
	ISB();
	gic_init_cpu(cpu);
}

void hyp_cpu_main(uint32_t cpu);
void hyp_cpu_main(uint32_t cpu)
{
	uint64_t stack_top = (uint64_t)(uintptr_t)hyp_stacks + (cpu + 1ull) * HYP_STACK_SIZE;

	if (cpu == 0)
		mmu_build_tables();
	mmu_enable_el2(); /* before any atomic */
	if (cpu == 0) {
		hyp.boot_ticks = counter_now();
		hyp.counter_khz = SYSREG_READ(cntfrq_el0) / 1000u;
		parse_config(&hyp.cfg);
		if (!config_ok(&hyp.cfg))
			hyp_finish("bad command line (cpus 1..8, devices 0..8)");
		bm_puts("el2: libpvirq EL2 hypervisor, ");
		bm_dec(hyp.cfg.nr_cpus);
		bm_puts(" CPUs, mode ");
		bm_puts(mode_name(hyp.cfg.mode));
		bm_puts(", counter ");
		bm_dec(hyp.counter_khz);
		bm_puts(" kHz\n");
		hyp.run.arch = "arm64-el2";
		hyp.run.mode = mode_name(hyp.cfg.mode);
		hyp.run.nr_cpus = hyp.cfg.nr_cpus;
		hyp.run.duration_ms = hyp.cfg.duration_ms;
		hyp.run.counter_khz = hyp.counter_khz;
		hyp.run.traps = hyp.traps;
		hyp.run.window = hyp.window;
		/* Generous: boot, load, drain and report take well under it. */
		hyp.hang_ticks = hyp.boot_ticks + (hyp.cfg.duration_ms + 10000u) * hyp.counter_khz;
		gic_init_distributor();
		setup_vm();
		setup_guest();
		hyp.vcpu_started[0] = 1;
		hyp.vcpu_entry[0] = EL2_GUEST_BASE;
		hyp.vcpu_context[0] = 0;
	}
	setup_el2_cpu(cpu);
	if (cpu == 0)
		devices_start();
	pvirq_arm64_el2_set_vi(pvirq_vcpu_rearm(hyp.vm, cpu));
	enter_guest(hyp.vcpu_entry[cpu], hyp.vcpu_context[cpu], stack_top);
}
