/* SPDX-License-Identifier: MIT */
/*
 * The example of docs/embedding.md: a VMM skeleton that embeds libpvirq
 * exactly as a real one does, once per architecture binding. The guest is
 * simulated by filling the registers a trapped hypercall leaves behind, so
 * the program runs on any host; every libpvirq call is the real one.
 *
 * Steps (numbered as in the guide): 1 create the VM, 2 route hypercalls,
 * 3 kick a vCPU from notify(), 4 rearm and raise the line before entry,
 * 5 inject from a device model, 6 save and restore.
 */
#include <pvirq/arch/arm64.h>
#include <pvirq/arch/riscv64.h>
#include <pvirq/arch/x86_64.h>
#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>
#include <pvirq/snapshot.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

enum arch { ARM64, X86_64, RISCV64 };
static const char *const arch_name[] = {"arm64", "x86_64", "riscv64"};

#define NR_VCPUS 2
#define IPI_INTID 1u  /* trusted: the hypervisor's own sources */
#define NET_INTID 40u /* untrusted: a device, through the rVID  */
#define NET_INPUT 0u  /* the device's rVID input                */

struct vmm {
	enum arch arch;
	struct pvirq_vm *vm;
	uint64_t cpu_ids[NR_VCPUS]; /* MPIDR / APIC id / hart id            */
	atomic_bool kick[NR_VCPUS]; /* set by notify(), consumed at entry   */
	bool line[NR_VCPUS];	    /* the level last given to the hardware */
};

/* Step 3. libpvirq made an INTID of @vcpu deliverable. A real VMM makes the
 * vCPU thread come back through vcpu_entry(): pthread_kill() it out of
 * KVM_RUN, or wake it from its HLT/WFI wait, or (type-1) post the vector
 * and send the notification IPI. Must not block; no lock is held. */
static void notify(void *ctx, uint32_t vcpu)
{
	struct vmm *vmm = ctx;

	atomic_store_explicit(&vmm->kick[vcpu], true, memory_order_release);
}

/* Step 1. One VM: per-vCPU CPU ids, 32 trusted + 32 untrusted INTIDs. */
static struct vmm *vmm_create(enum arch arch)
{
	static const uint64_t ids[][NR_VCPUS] = {
		[ARM64] = {0x000, 0x100}, /* MPIDR Aff1 = cluster */
		[X86_64] = {0, 2},	  /* APIC ids need not be dense */
		[RISCV64] = {0, 1},	  /* hart ids */
	};
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	struct pvirq_config cfg = {.nr_vcpus = NR_VCPUS,
				   .nr_trusted = 32,
				   .nr_untrusted = 32,
				   .nr_rvid_inputs = 8,
				   .notify = notify};

	if (!vmm)
		return NULL;
	vmm->arch = arch;
	for (int i = 0; i < NR_VCPUS; i++)
		vmm->cpu_ids[i] = ids[arch][i];
	cfg.cpu_ids = vmm->cpu_ids;
	cfg.notify_ctx = vmm;
	if (pvirq_vm_create(&cfg, &vmm->vm) != PVIRQ_OK) {
		free(vmm);
		return NULL;
	}
	return vmm;
}

/*
 * Step 2. The guest on @vcpu trapped with a hypercall: here is what each
 * binding's trap handler does with the registers. @part_base is
 * PVIRQ_ABI_RVIC_BASE or PVIRQ_ABI_RVID_BASE, @fn the call number.
 * Returns true on guest-visible success and stores the returned value.
 */
static bool guest_call(struct vmm *vmm, uint32_t vcpu, uint32_t part_base, uint32_t fn, uint64_t a0,
		       uint64_t a1, uint64_t a2, uint64_t *value)
{
	int err = PVIRQ_ENOSYS;
	bool ok = false;

	switch (vmm->arch) {
	case ARM64: { /* HVC/SMC: x0 = function ID, x1..x3 = arguments */
		struct pvirq_arm64_regs r = {.x = {part_base + fn, a0, a1, a2}};

		err = pvirq_arm64_handle_smccc(vmm->vm, vcpu, &r);
		ok = r.x[0] == 0; /* x0 = status word, x1 = value */
		*value = r.x[1];
		break;
	}
	case X86_64: { /* VMCALL or OUT to port 0x0A50: RAX = ID, RBX/RCX/RSI */
		struct pvirq_x86_regs r = {.rax = part_base + fn, .rbx = a0, .rcx = a1, .rsi = a2};

		err = pvirq_x86_handle_hypercall(vmm->vm, vcpu, &r);
		ok = r.rax == 0; /* RAX = status word, RBX = value */
		*value = r.rbx;
		break;
	}
	case RISCV64: { /* ECALL: a7 = EID, a6 = FID, a0..a2 = arguments */
		struct pvirq_riscv_regs r = {.a = {a0, a1, a2}};

		r.a[7] = part_base == PVIRQ_ABI_RVIC_BASE ? PVIRQ_RISCV_EID_RVIC
							  : PVIRQ_RISCV_EID_RVID;
		r.a[6] = fn;
		err = pvirq_riscv_handle_sbi(vmm->vm, vcpu, &r);
		ok = r.a[0] == 0; /* a0 = SBI error, a1 = value */
		*value = r.a[1];
		break;
	}
	}
	/* PVIRQ_ENOSYS: not libpvirq's call (PSCI, another SBI extension...):
	 * the VMM handles it as before. Registers are untouched. */
	return err == PVIRQ_OK && ok;
}

/* Step 4. On the vCPU's thread, right before every guest entry: rearm,
 * then drive the line the way this architecture's KVM wants it. */
static void vcpu_entry(struct vmm *vmm, uint32_t vcpu)
{
	struct pvirq_arm64_kvm_irq_level irq_line;
	bool line;

	atomic_store_explicit(&vmm->kick[vcpu], false, memory_order_relaxed);
	line = pvirq_vcpu_rearm(vmm->vm, vcpu); /* re-arms notify(), then reads */
	switch (vmm->arch) {
	case ARM64: /* a level: ioctl(vm_fd, KVM_IRQ_LINE, &irq_line) on change */
		if (line != vmm->line[vcpu] &&
		    pvirq_arm64_kvm_irq_line(vcpu, line, &irq_line) == PVIRQ_OK)
			printf("  arm64 vCPU %u: KVM_IRQ_LINE irq=%#x level=%u\n", vcpu,
			       irq_line.irq, irq_line.level);
		break;
	case X86_64: /* an edge: KVM_INTERRUPT when the guest can take it */
		if (pvirq_x86_kvm_entry_action(line, true) == PVIRQ_X86_KVM_ENTRY_INJECT)
			printf("  x86_64 vCPU %u: KVM_INTERRUPT vector %#x\n", vcpu,
			       PVIRQ_X86_UPCALL_VECTOR_DEFAULT);
		break;
	case RISCV64: /* a level: ioctl(vcpu_fd, KVM_INTERRUPT, &irq) on change */
		if (line != vmm->line[vcpu])
			printf("  riscv64 vCPU %u: KVM_INTERRUPT irq=%#x (hvip.VSEIP %s)\n", vcpu,
			       pvirq_riscv_kvm_interrupt_irq(line), line ? "set" : "clear");
		break;
	}
	vmm->line[vcpu] = line;
	/* ... KVM_RUN / ERET / VMRESUME ... */
}

/* The guest's interrupt handler: ACKNOWLEDGE, handle, CLEAR_MASKED (EOI). */
static uint64_t guest_take_interrupt(struct vmm *vmm, uint32_t vcpu)
{
	uint64_t intid = ~0ull, unused;

	if (!guest_call(vmm, vcpu, PVIRQ_ABI_RVIC_BASE, PVIRQ_FN_RVIC_ACKNOWLEDGE, 0, 0, 0, &intid))
		return ~0ull;
	guest_call(vmm, vcpu, PVIRQ_ABI_RVIC_BASE, PVIRQ_FN_RVIC_CLEAR_MASKED, vmm->cpu_ids[vcpu],
		   intid, 0, &unused);
	return intid;
}

/* Step 6. Migration: save on the quiesced source; the destination reads
 * the VM's shape from the snapshot, builds a VM like it and restores into
 * it; the caller then rearms every vCPU before its first entry. */
static struct vmm *migrate(struct vmm *src)
{
	size_t size = pvirq_vm_snapshot_size(src->vm), written = 0;
	void *buf = malloc(size);
	struct pvirq_config shape;
	uint64_t ids[NR_VCPUS];
	struct vmm *dst = NULL;
	int err = buf ? pvirq_vm_save(src->vm, buf, size, &written) : PVIRQ_ENOSPC;

	if (!err)
		err = pvirq_snapshot_config(buf, written, &shape, ids, NR_VCPUS);
	if (!err && shape.nr_vcpus == NR_VCPUS) /* a real VMM sizes itself by shape */
		dst = vmm_create(src->arch);
	if (!err && dst)
		err = pvirq_vm_restore(dst->vm, buf, written);
	free(buf);
	if (err || !dst) {
		fprintf(stderr, "migration failed: %s\n", pvirq_strerror(err));
		if (dst)
			pvirq_vm_destroy(dst->vm);
		free(dst);
		return NULL;
	}
	printf("  %s: migrated %zu bytes of interrupt state\n", arch_name[src->arch], written);
	return dst;
}

static bool run(enum arch arch)
{
	struct vmm *vmm = vmm_create(arch), *dst;
	uint64_t v, t1;
	bool ok = true;

	if (!vmm)
		return false;
	t1 = vmm->cpu_ids[1];
	/* The guest boots: each vCPU enables its instance and unmasks what it
	 * uses; vCPU 0 routes the network card's input to vCPU 1. */
	for (uint32_t c = 0; c < NR_VCPUS; c++) {
		ok &= guest_call(vmm, c, PVIRQ_ABI_RVIC_BASE, PVIRQ_FN_RVIC_ENABLE, 0, 0, 0, &v);
		ok &= guest_call(vmm, c, PVIRQ_ABI_RVIC_BASE, PVIRQ_FN_RVIC_CLEAR_MASKED,
				 vmm->cpu_ids[c], IPI_INTID, 0, &v);
	}
	ok &= guest_call(vmm, 1, PVIRQ_ABI_RVIC_BASE, PVIRQ_FN_RVIC_CLEAR_MASKED, t1, NET_INTID, 0,
			 &v);
	ok &= guest_call(vmm, 0, PVIRQ_ABI_RVID_BASE, PVIRQ_FN_RVID_MAP, NET_INPUT, t1, NET_INTID,
			 &v);
	vcpu_entry(vmm, 0);
	vcpu_entry(vmm, 1);

	/* Step 5. The device model's thread raises its input: vCPU 1 is kicked. */
	pvirq_rvid_inject(vmm->vm, NET_INPUT);
	ok &= atomic_load(&vmm->kick[1]);
	vcpu_entry(vmm, 1);
	ok &= vmm->line[1] && guest_take_interrupt(vmm, 1) == NET_INTID;
	vcpu_entry(vmm, 1);

	/* An IPI: vCPU 0 signals trusted INTID 1 on vCPU 1 (named by CPU id). */
	ok &= guest_call(vmm, 0, PVIRQ_ABI_RVIC_BASE, PVIRQ_FN_RVIC_SIGNAL, t1, IPI_INTID, 0, &v);
	ok &= atomic_load(&vmm->kick[1]);

	/* Step 6. Migrate with the IPI still pending: it arrives on the other side. */
	dst = migrate(vmm);
	ok &= dst != NULL;
	if (dst) {
		vcpu_entry(dst, 0);
		vcpu_entry(dst, 1);
		ok &= dst->line[1] && !dst->line[0];
		ok &= guest_take_interrupt(dst, 1) == IPI_INTID;
		vcpu_entry(dst, 1);
		pvirq_vm_destroy(dst->vm);
		free(dst);
	}
	pvirq_vm_destroy(vmm->vm);
	free(vmm);
	printf("%s: %s\n", arch_name[arch], ok ? "ok" : "FAILED");
	return ok;
}

int main(void)
{
	bool ok = run(ARM64);

	ok &= run(X86_64);
	ok &= run(RISCV64);
	printf("%s\n", ok ? "all three bindings delivered every interrupt" : "FAILED");
	return ok ? 0 : 1;
}
