/* SPDX-License-Identifier: MIT */
/*
 * Boot and the per-hart vCPU loop.
 *
 * OpenSBI starts us on one hart, chosen by lottery (not always hart 0).
 * That hart builds everything shared (the libpvirq VM, the G-stage, the
 * control block), then starts the others through SBI HSM. Every hart then
 * waits for its vCPU to be started: vCPU 0 by the hypervisor, the others
 * by the guest's own HSM hart_start calls, as a guest OS boots its CPUs.
 */
#include "console.h"
#include "csr.h"
#include "fdt.h"
#include "gstage.h"
#include "hyp.h"
#include "sbi.h"

struct hs_run hs;
struct hs_hart hs_harts[HS_MAX_HARTS];

/* entry.S reaches these fields by the offsets hart.h defines. */
_Static_assert(__builtin_offsetof(struct hs_hart, regs) == HART_REGS, "HART_REGS");
_Static_assert(__builtin_offsetof(struct hs_hart, sepc) == HART_SEPC, "HART_SEPC");
_Static_assert(__builtin_offsetof(struct hs_hart, hyp_sp) == HART_HYP_SP, "HART_HYP_SP");
extern char hs_stacks[];
extern char hs_secondary_entry[];

/* libpvirq's state for the VM, in our memory (no allocator here). */
static uint8_t vm_memory[96 * 1024] __attribute__((aligned(64)));
/* Published by the boot hart once the shared state is built. */
static uint32_t tables_ready;
/* Set while the boot hart reads an H-extension CSR for the first time. */
static volatile uint32_t probing_h_extension;

void hs_fail(const char *what, uint64_t a, uint64_t b)
{
	static uint32_t failing;

	/* The first failure speaks; a second hart failing meanwhile waits
	 * for the shutdown instead of interleaving its own. */
	if (__atomic_exchange_n(&failing, 1, __ATOMIC_ACQ_REL))
		for (;;)
			hs_wfi();
	hs_printf("HS FAIL: %s (0x%lx, 0x%lx) on hart %u\n", what, a, b,
		  (unsigned)hs_this_hart()->hartid);
	hs_printf("RESULT: FAILED (%s)\n", what);
	sbi_shutdown(SBI_SRST_REASON_FAILURE);
}

void hs_trap_in_hypervisor(void)
{
	if (probing_h_extension) {
		hs_printf("RESULT: FAILED (no H extension: run QEMU with -cpu rv64,h=true)\n");
		sbi_shutdown(SBI_SRST_REASON_FAILURE);
	}
	hs_fail("trap in the hypervisor: scause, sepc", CSR_READ(CSR_SCAUSE), CSR_READ(0x141));
}

static uint32_t parse_uint(const char *s, const char *key, uint32_t fallback)
{
	/* Finds " key=" (or key= at the start) and reads the decimal after. */
	for (const char *p = s; p && *p; p++) {
		const char *k = key, *q = p;
		uint32_t v = 0;

		if (p != s && p[-1] != ' ')
			continue;
		while (*k && *q == *k)
			k++, q++;
		if (*k || *q != '=')
			continue;
		for (q++; *q >= '0' && *q <= '9'; q++)
			v = v * 10 + (uint32_t)(*q - '0');
		return v;
	}
	return fallback;
}

/* Whether the command line holds @p word as a whole word. */
static bool has_word(const char *s, const char *word)
{
	for (const char *p = s; p && *p; p++) {
		const char *w = word, *q = p;

		if (p != s && p[-1] != ' ')
			continue;
		while (*w && *q == *w)
			w++, q++;
		if (!*w && (!*q || *q == ' '))
			return true;
	}
	return false;
}

static void parse_options(const void *fdt)
{
	const char *args = hs_fdt_bootargs(fdt);
	struct hs_options *o = &hs.opt;

	o->mode = has_word(args, "faults") ? HS_MODE_FAULTS : HS_MODE_WORKLOAD;
	o->icount = has_word(args, "icount");
	o->run_ms = parse_uint(args, "run_ms", 150);
	o->nr_devices = parse_uint(args, "devices", 4);
	o->device_us = parse_uint(args, "device_us", 500);
	o->retarget_us = parse_uint(args, "retarget_us", 300);
	o->ipi_us = parse_uint(args, "ipi_us", 100);
	o->timer_us = parse_uint(args, "timer_us", 1000);
	o->drop_send = parse_uint(args, "drop_send", 0);
	o->unmap_shared = has_word(args, "unmap_shared");
	o->watchdog_ms = parse_uint(args, "watchdog_ms", HS_WATCHDOG_MS);
	o->pv_options = (has_word(args, "shared") ? DEMO_PV_SHARED_STATE : 0) |
			(has_word(args, "timer_class") ? DEMO_PV_TIMER_CLASS : 0);
	o->level_devs = parse_uint(args, "level", 1);
	if (o->nr_devices < 1 || o->nr_devices > DEMO_MAX_DEVICES)
		hs_fail("bootargs: devices out of range", o->nr_devices, DEMO_MAX_DEVICES);
	o->level_devs &= (1u << o->nr_devices) - 1u;
}

/* Another hart (or a device) raised vCPU @p vcpu's line: kick its hart.
 * Our own vCPU needs nothing: its line is re-read before every SRET. */
static void notify(void *ctx, uint32_t vcpu)
{
	struct hs_hart *self = hs_this_hart();

	(void)ctx;
	if (vcpu == self->hartid)
		return;
	sbi_send_ipi_to(vcpu);
	self->traps.kicks_sent++;
}

/* RVIC_SHARE_STATE's page: guest RAM through the G-stage, or refused. */
static void *guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	(void)ctx;
	(void)vcpu;
	return hs_gstage_translate(gpa, size);
}

static void init_vm(void)
{
	static uint64_t cpu_ids[HS_MAX_HARTS];
	struct pvirq_config cfg = {
		.nr_vcpus = hs.nr_vcpus,
		.nr_trusted = DEMO_NR_TRUSTED,
		.nr_untrusted = DEMO_NR_UNTRUSTED,
		.nr_rvid_inputs = DEMO_NR_UNTRUSTED,
		.cpu_ids = cpu_ids,
		.notify = notify,
		.guest_page = guest_page,
		.resample = hs_devices_resample,
		/* riscv64 has no NMI line: the NMI class is refused. */
		.nmi_line = false,
	};
	size_t need;
	int err;

	/* vCPU i runs on hart i and the guest knows it as hart i. */
	for (uint32_t i = 0; i < hs.nr_vcpus; i++)
		cpu_ids[i] = i;
	need = pvirq_vm_footprint(&cfg);
	if (!need || need > sizeof(vm_memory))
		hs_fail("libpvirq footprint", need, sizeof(vm_memory));
	err = pvirq_vm_init(vm_memory, sizeof(vm_memory), &cfg, &hs.vm);
	if (err)
		hs_fail("pvirq_vm_init", (uint64_t)(int64_t)err, 0);
	hs_devices_init();
}

static void init_shared(void)
{
	struct demo_shared *s = hs_gpa_to_host(HS_GUEST_SHARED_GPA, sizeof(*s));
	const struct hs_options *o = &hs.opt;
	uint8_t *p = (uint8_t *)s;

	for (size_t i = 0; i < sizeof(*s); i++)
		p[i] = 0;
	s->magic = DEMO_MAGIC;
	s->mode = o->mode == HS_MODE_FAULTS ? DEMO_MODE_FAULTS : DEMO_MODE_PVIRQ;
	s->nr_vcpus = hs.nr_vcpus;
	s->nr_devices = o->nr_devices;
	s->tsc_khz = HS_TIME_KHZ;
	s->retarget_period_tsc = (uint64_t)o->retarget_us * HS_TIME_HZ / 1000000;
	s->ipi_period_tsc = (uint64_t)o->ipi_us * HS_TIME_HZ / 1000000;
	s->timer_period_tsc = (uint64_t)o->timer_us * HS_TIME_HZ / 1000000;
	s->pv_options = o->mode == HS_MODE_WORKLOAD ? o->pv_options : 0;
	s->level_devices = o->mode == HS_MODE_WORKLOAD ? o->level_devs : 0;
	hs.shared = s;
}

/* This hart's hypervisor registers: what the guest may do by itself and
 * what traps to us. */
static void init_hart(struct hs_hart *h, uint32_t hartid)
{
	h->hartid = hartid;
	h->hyp_sp = (uint64_t)(uintptr_t)(hs_stacks + (hartid + 1) * HART_STACK_SIZE);
	h->guest_deadline = UINT64_MAX;
	__asm__ volatile("mv tp, %0" ::"r"(h));
	/* The guest's own exceptions go to the guest: misaligned, access and
	 * page faults, illegal instruction, breakpoint. VS ecall (10), guest
	 * page faults (20, 21, 23) and virtual instructions (22) come here. */
	CSR_WRITE(CSR_HEDELEG, (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) |
				       (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 12) |
				       (1u << 13) | (1u << 15));
	/* VS software, timer and external interrupts are the guest's; VSEIP is
	 * libpvirq's line. */
	CSR_WRITE(CSR_HIDELEG, (1u << 2) | (1u << 6) | (1u << 10));
	CSR_WRITE(CSR_HVIP, 0);
	CSR_WRITE(CSR_HIE, 0);
	CSR_WRITE(CSR_HCOUNTEREN, 1u << 1); /* the guest reads time, nothing else */
	CSR_WRITE(CSR_HENVCFG, 0);	    /* no Sstc for the guest: SBI set_timer */
	hs_gstage_enable();
	/* Our own interrupts: kicks (SSIP) and our timer (STIP). Taken while
	 * the guest runs (V=1 enables them whatever sstatus.SIE), never in
	 * the hypervisor, where sstatus.SIE stays 0. */
	CSR_WRITE(CSR_SIE, (1u << IRQ_S_SOFT) | (1u << IRQ_S_TIMER));
	h->next_tick = hs_time() + HS_TICK;
	hs_timer_program(h);
}

void hs_vcpu_wait_and_run(struct hs_hart *h)
{
	uint64_t hstatus;

	/* STOPPED until someone's hart_start publishes START_PENDING with
	 * release; acquire here makes start_pc/start_arg visible. */
	while (__atomic_load_n(&h->vstate, __ATOMIC_ACQUIRE) != VHART_START_PENDING) {
		hs_wfi();
		CSR_CLEAR(CSR_SIP, 1u << IRQ_S_SOFT);
		hs_poll(h);
	}
	for (int i = 0; i < 32; i++)
		h->regs[i] = 0;
	h->regs[10] = h->hartid; /* a0: hart id, a1: opaque, as SBI HSM says */
	h->regs[11] = h->start_arg;
	h->sepc = h->start_pc;
	CSR_WRITE(CSR_VSSTATUS, 0);
	CSR_WRITE(CSR_VSATP, 0);
	CSR_WRITE(CSR_VSIE, 0);
	CSR_WRITE(CSR_HVIP, 0);
	/* SRET goes to VS-mode: V=1 (hstatus.SPV), S (sstatus.SPP). */
	hstatus = CSR_READ(CSR_HSTATUS);
	CSR_WRITE(CSR_HSTATUS, (hstatus | HSTATUS_SPV | HSTATUS_SPVP) & ~HSTATUS_VTW);
	CSR_SET(CSR_SSTATUS, SSTATUS_SPP);
	/* release: a guest's hart_get_status that sees STARTED sees a hart
	 * that is done with its start arguments. */
	__atomic_store_n(&h->vstate, VHART_STARTED, __ATOMIC_RELEASE);
	pvirq_riscv_hs_set_vseip(pvirq_vcpu_rearm(hs.vm, h->hartid));
	hs_enter_guest(h);
}

static void count_harts(uint32_t boot_hart)
{
	for (uint32_t i = 0; i < HS_MAX_HARTS; i++) {
		struct sbi_ret st =
			i == boot_hart ? (struct sbi_ret){0, 0} : sbi_hart_get_status(i);

		if (st.error)
			break; /* QEMU virt numbers its harts 0..n-1 */
		hs_harts[i].vstate = VHART_STOPPED;
		hs.nr_vcpus = i + 1;
	}
	if (hs.nr_vcpus < 1 || hs.nr_vcpus > DEMO_MAX_VCPUS || boot_hart >= hs.nr_vcpus)
		hs_fail("hart count", hs.nr_vcpus, boot_hart);
}

/*
 * Claimed by the first hart that enters at _start. OpenSBI 1.1 normally
 * enters only its boot hart there, but now and then (about one boot in a
 * hundred with -smp 2 on a loaded host) a second hart arrives too, and
 * two harts building the shared state and starting each other failed the
 * run. The first to claim builds; a later one joins as a secondary, and
 * the builder's hart_start of it reports "already available".
 */
static uint32_t boot_claimed;

void hs_secondary_main(uint64_t hartid);
void hs_boot_main(uint64_t hartid, const void *fdt);
void hs_boot_main(uint64_t hartid, const void *fdt)
{
	struct hs_hart *h = &hs_harts[hartid];

	/* acq_rel: one winner; the loser only waits for tables_ready. */
	if (__atomic_exchange_n(&boot_claimed, 1, __ATOMIC_ACQ_REL)) {
		hs_printf("HS: hart %u also entered at _start; it joins as a secondary\n",
			  (unsigned)hartid);
		hs_secondary_main(hartid);
		return;
	}

	__asm__ volatile("mv tp, %0" ::"r"(h));
	h->hartid = (uint32_t)hartid;
	probing_h_extension = 1;
	(void)CSR_READ(CSR_HSTATUS);
	probing_h_extension = 0;
	hs.boot_time = hs_time();
	hs.boot_hart = (uint32_t)hartid;
	parse_options(fdt);
	count_harts((uint32_t)hartid);
	hs_printf("HS: libpvirq %u.%u.%u, boot hart %u of %u, mode %u%s\n",
		  (unsigned)(pvirq_version() >> 16), (unsigned)(pvirq_version() >> 8 & 0xff),
		  (unsigned)(pvirq_version() & 0xff), (unsigned)hartid, (unsigned)hs.nr_vcpus,
		  (unsigned)hs.opt.mode, hs.opt.icount ? ", icount" : "");
	init_vm();
	hs_gstage_build(hs.opt.unmap_shared ? HS_GUEST_SHARED_GPA : 0);
	init_shared();
	/* vCPU 0 boots the guest at its image's start. */
	hs_harts[0].start_pc = HS_GUEST_GPA_BASE;
	hs_harts[0].start_arg = 0;
	/* release: hart 0 (maybe not us) reads start_pc after it sees this. */
	__atomic_store_n(&hs_harts[0].vstate, VHART_START_PENDING, __ATOMIC_RELEASE);
	/* release: everything above is built before any hart reads it. */
	__atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
	init_hart(h, (uint32_t)hartid);
	for (uint32_t i = 0; i < hs.nr_vcpus; i++) {
		struct sbi_ret r;

		if (i == hartid)
			continue;
		r = sbi_hart_start(i, (uint64_t)(uintptr_t)hs_secondary_entry, 0);
		/* Already available: it entered at _start and lost the claim. */
		if (r.error && r.error != SBI_ERR_ALREADY_AVAILABLE)
			hs_fail("SBI hart_start", i, (uint64_t)r.error);
	}
	hs_vcpu_wait_and_run(h);
}

void hs_secondary_main(uint64_t hartid)
{
	struct hs_hart *h = &hs_harts[hartid];

	__asm__ volatile("mv tp, %0" ::"r"(h));
	h->hartid = (uint32_t)hartid;
	/* acquire: pairs with the boot hart's release of tables_ready. */
	while (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
		;
	init_hart(h, (uint32_t)hartid);
	hs_vcpu_wait_and_run(h);
}
