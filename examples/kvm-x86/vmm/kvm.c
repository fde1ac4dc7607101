/* SPDX-License-Identifier: MIT */
/*
 * KVM plumbing: the VM, guest RAM with the guest image, identity-mapped
 * page tables and a GDT, vCPUs started directly in 64-bit long mode, one
 * TSC for VMM and guest, and KVM's binary statistics.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>
#include <pvirq/x86_cpuid.h>

#include "vmm.h"

extern const unsigned char demo_guest_image[];
extern const unsigned char demo_guest_image_end[];

uint64_t demo_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool demo_kvm_available(const char **why)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		*why = errno == ENOENT ? "/dev/kvm does not exist" : strerror(errno);
		return false;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		*why = "unexpected KVM API version";
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

static void build_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + DEMO_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(mem + DEMO_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(mem + DEMO_PD_GPA);

	/* Present | writable; the PD maps the first GiB with 2 MiB pages (PS). */
	pml4[0] = DEMO_PDPT_GPA | 0x3;
	pdpt[0] = DEMO_PD_GPA | 0x3;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;
}

static void build_gdt(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(mem + DEMO_GDT_GPA);
	uint64_t tss = DEMO_TSS_GPA, limit = 0x67;

	gdt[0] = 0;
	gdt[DEMO_SEL_CODE / 8] = 0x00AF9B000000FFFFull; /* 64-bit code, accessed */
	gdt[DEMO_SEL_DATA / 8] = 0x00CF93000000FFFFull; /* flat data, accessed   */
	/* 16-byte 64-bit TSS descriptor, type 0xB (busy), present. */
	gdt[DEMO_SEL_TSS / 8] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0xBull << 40) |
				(1ull << 47) | (((limit >> 16) & 0xF) << 48) |
				(((tss >> 24) & 0xFF) << 56);
	gdt[DEMO_SEL_TSS / 8 + 1] = tss >> 32;
}

static int set_long_mode(struct demo_vm *vm, struct demo_vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment code = {.base = 0,
				   .limit = 0xFFFFFFFF,
				   .selector = DEMO_SEL_CODE,
				   .type = 11,
				   .present = 1,
				   .dpl = 0,
				   .db = 0,
				   .s = 1,
				   .l = 1,
				   .g = 1};
	struct kvm_segment data = {.base = 0,
				   .limit = 0xFFFFFFFF,
				   .selector = DEMO_SEL_DATA,
				   .type = 3,
				   .present = 1,
				   .dpl = 0,
				   .db = 1,
				   .s = 1,
				   .l = 0,
				   .g = 1};
	struct kvm_segment tr = {.base = DEMO_TSS_GPA,
				 .limit = 0x67,
				 .selector = DEMO_SEL_TSS,
				 .type = 11,
				 .present = 1,
				 .s = 0};

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = tr;
	sregs.gdt.base = DEMO_GDT_GPA;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr3 = DEMO_PML4_GPA;
	sregs.cr4 = 1u << 5;		     /* PAE */
	sregs.cr0 = 0x80050033;		     /* PG WP NE ET MP PE */
	sregs.efer = (1u << 8) | (1u << 10); /* LME LMA */
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = DEMO_IMAGE_GPA;
	regs.rsp = DEMO_STACKS_GPA + (uint64_t)(v->index + 1) * DEMO_STACK_SIZE;
	regs.rdi = v->index;
	regs.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	(void)vm;
	return 0;
}

/* libpvirq's CPUID block (pvirq/x86_cpuid.h), appended after KVM's own
 * leaves in the libpvirq modes: the guest finds the version, the conduit
 * (port I/O: KVM never hands VMCALL to userspace), the port and the upcall
 * vector there before its first hypercall. */
static void add_pvirq_cpuid(struct kvm_cpuid2 *cpuid)
{
	const struct pvirq_x86_cpuid_info info = {
		.version = PVIRQ_ABI_VERSION,
		.conduits = PVIRQ_X86_CPUID_CONDUIT_PORT_IO,
		.io_port = PVIRQ_X86_IO_PORT,
		.upcall_vector = PVIRQ_X86_UPCALL_VECTOR_DEFAULT,
	};
	const uint32_t base = PVIRQ_X86_CPUID_BASE_DEFAULT;

	for (uint32_t leaf = base; leaf <= base + 1; leaf++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[cpuid->nent++];
		uint32_t r[4];

		memset(e, 0, sizeof(*e));
		e->function = leaf;
		pvirq_x86_cpuid_leaf(base, &info, leaf, r);
		e->eax = r[0], e->ebx = r[1], e->ecx = r[2], e->edx = r[3];
	}
}

/* The host's CPUID as KVM supports it, with this vCPU's APIC id, and
 * libpvirq's block in its modes. */
static int set_cpuid(struct demo_vm *vm, struct demo_vcpu *v)
{
	enum { MAX_ENTRIES = 128, PVIRQ_ENTRIES = 2 };
	struct kvm_cpuid2 *cpuid;
	int err = 0;

	cpuid = calloc(1,
		       sizeof(*cpuid) + (MAX_ENTRIES + PVIRQ_ENTRIES) * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		err = -errno;
		goto out;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00FFFFFF) | (v->index << 24);
		if (e->function == 0xB || e->function == 0x1F)
			e->edx = v->index;
	}
	if (vm->mode != DEMO_MODE_LAPIC)
		add_pvirq_cpuid(cpuid);
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0)
		err = -errno;
out:
	free(cpuid);
	return err;
}

/* Make the guest's TSC the host's (offset 0), so a TSC value written by a
 * VMM thread and one read in the guest can be subtracted. */
static bool share_tsc(struct demo_vcpu *v)
{
	uint64_t zero = 0;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET, .addr = (uint64_t)&zero};

	return ioctl(v->fd, KVM_SET_DEVICE_ATTR, &attr) == 0;
}

static const char *const kvm_stat_names[KSTAT_NR] = {
	[KSTAT_EXITS] = "exits",
	[KSTAT_HALT_EXITS] = "halt_exits",
	[KSTAT_IRQ_WINDOW_EXITS] = "irq_window_exits",
	[KSTAT_IRQ_EXITS] = "irq_exits",
	[KSTAT_SIGNAL_EXITS] = "signal_exits",
	[KSTAT_HALT_POLL_OK] = "halt_successful_poll",
	[KSTAT_HALT_POLL_TRIED] = "halt_attempted_poll",
	[KSTAT_INSN_EMULATION] = "insn_emulation",
	[KSTAT_IRQ_INJECTIONS] = "irq_injections",
};

/* Finds the data offsets of the counters we report in the vCPU's binary
 * stats fd (KVM_GET_STATS_FD, Linux 5.14+). Missing: stats_fd = -1. */
static void open_kvm_stats(struct demo_vcpu *v)
{
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs = NULL;

	for (int i = 0; i < KSTAT_NR; i++)
		v->stats_offset[i] = UINT32_MAX;
	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (v->stats_fd < 0)
		return;
	if (pread(v->stats_fd, &h, sizeof(h), 0) != sizeof(h))
		goto fail;
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(desc_size * h.num_desc);
	if (!descs || pread(v->stats_fd, descs, desc_size * h.num_desc, h.desc_offset) !=
			      (ssize_t)(desc_size * h.num_desc))
		goto fail;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * desc_size);

		for (int k = 0; k < KSTAT_NR; k++)
			if (strncmp(d->name, kvm_stat_names[k], h.name_size) == 0)
				v->stats_offset[k] = h.data_offset + d->offset;
	}
	free(descs);
	return;
fail:
	free(descs);
	close(v->stats_fd);
	v->stats_fd = -1;
}

void demo_vcpu_read_kvm_stats(struct demo_vcpu *v, uint64_t out[KSTAT_NR])
{
	for (int k = 0; k < KSTAT_NR; k++) {
		out[k] = 0;
		if (v->stats_fd >= 0 && v->stats_offset[k] != UINT32_MAX &&
		    pread(v->stats_fd, &out[k], sizeof(out[k]), v->stats_offset[k]) !=
			    sizeof(out[k]))
			out[k] = 0;
	}
}

static int create_vcpu(struct demo_vm *vm, uint32_t index)
{
	struct demo_vcpu *v = &vm->vcpus[index];
	int mmap_size, err;

	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index); /* APIC id = index */
	if (v->fd < 0)
		return -errno;
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return -EINVAL;
	v->run_size = (size_t)mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	err = set_cpuid(vm, v);
	if (!err)
		err = set_long_mode(vm, v);
	if (err)
		return err;
	/* With an in-kernel LAPIC, KVM holds every vCPU but the first in
	 * wait-for-SIPI; we start them all directly in long mode instead. */
	if (vm->variant->irqchip) {
		struct kvm_mp_state runnable = {.mp_state = KVM_MP_STATE_RUNNABLE};

		if (ioctl(v->fd, KVM_SET_MP_STATE, &runnable) < 0)
			return -errno;
	}
	if (!share_tsc(v))
		vm->tsc_shared = false;
	open_kvm_stats(v);
	return 0;
}

/* Device d's completion doorbell: a guest outl of d to DEMO_PORT_DEVICE_DONE
 * signals its eventfd inside KVM, without an exit to us. */
static int add_doorbell(struct demo_vm *vm, struct demo_device *dev)
{
	struct kvm_ioeventfd io = {
		.datamatch = dev->index,
		.addr = DEMO_PORT_DEVICE_DONE,
		.len = 4,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	dev->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dev->eventfd < 0)
		return -errno;
	io.fd = dev->eventfd;
	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

void *demo_guest_page(void *ctx, uint32_t vcpu, uint64_t gpa, size_t size)
{
	struct demo_vm *vm = ctx;

	(void)vcpu;
	/* Hostile: all of [gpa, gpa + size) must be RAM, without overflow. */
	if (gpa >= DEMO_MEM_SIZE || size > DEMO_MEM_SIZE - gpa)
		return NULL;
	return vm->mem + gpa;
}

static int create_pvirq(struct demo_vm *vm)
{
	struct pvirq_config cfg = {
		.nr_vcpus = vm->nr_vcpus,
		.nr_trusted = DEMO_NR_TRUSTED,
		.nr_untrusted = DEMO_NR_UNTRUSTED,
		.nr_rvid_inputs = DEMO_MAX_DEVICES,
		.cpu_ids = NULL, /* x86 target = APIC id = KVM vCPU id = index */
		/* With KVM's LAPIC the upcall is an MSI KVM delivers (and
		 * kicks for); without it the vCPU thread injects it. */
		.notify = vm->variant->irqchip ? demo_vcpu_notify_msi : demo_vcpu_kick,
		.notify_ctx = vm,
		.guest_page = demo_guest_page,
		.guest_page_ctx = vm,
		.resample = demo_level_resample,
		.resample_ctx = vm,
		.nmi_line = vm->nmi_line,
	};

	if (pvirq_vm_create(&cfg, &vm->pvirq) != PVIRQ_OK)
		return -ENOMEM;
	/* Device 0's input is level-triggered: the device model drives its
	 * line (devices.c) and hears the guest's RVID_RESAMPLE. */
	if (vm->level_device && pvirq_rvid_set_trigger(vm->pvirq, 0, true) != PVIRQ_OK)
		return -EINVAL;
	return 0;
}

int demo_vm_create(struct demo_vm *vm, const struct demo_options *opt, enum demo_mode mode,
		   const struct demo_variant_info *variant)
{
	size_t image_size = (size_t)(demo_guest_image_end - demo_guest_image);
	struct kvm_userspace_memory_region region;
	int err;

	memset(vm, 0, sizeof(*vm));
	vm->opt = opt;
	vm->mode = mode;
	vm->variant = variant;
	vm->nr_vcpus = opt->vcpus;
	vm->nr_devices = opt->devices;
	vm->tsc_shared = true;
	vm->vm_fd = -1;
	for (unsigned i = 0; i < DEMO_MAX_VCPUS; i++)
		vm->vcpus[i].fd = vm->vcpus[i].stats_fd = -1;
	for (unsigned i = 0; i < DEMO_MAX_DEVICES; i++)
		vm->devices[i].eventfd = -1;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return -errno;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -errno;
	if (image_size > DEMO_IMAGE_MAX)
		return -E2BIG;

	vm->mem = mmap(NULL, DEMO_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return -errno;
	}
	region = (struct kvm_userspace_memory_region){.slot = 0,
						      .guest_phys_addr = 0,
						      .memory_size = DEMO_MEM_SIZE,
						      .userspace_addr = (uint64_t)vm->mem};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	build_page_tables(vm->mem);
	build_gdt(vm->mem);
	memcpy(vm->mem + DEMO_IMAGE_GPA, demo_guest_image, image_size);

	/* The in-kernel PIC/IOAPIC/LAPIC must exist before vCPUs. */
	if (variant->irqchip && ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -errno;
	vm->kvm_ctl = (struct demo_kvm_ctl *)(vm->mem + DEMO_KVM_CTL_GPA);
	vm->kvm_ctl->lapic_eoi = variant->lapic_eoi;
	vm->kvm_ctl->pvirq_shared = variant->shared_state && mode == DEMO_MODE_PVIRQ;
	/* #18's workloads run on the shared-state guest's upcall path. */
	if (vm->kvm_ctl->pvirq_shared) {
		vm->level_device = opt->level_device;
		vm->kvm_ctl->level_device = opt->level_device ? 1 : 0;
		vm->kvm_ctl->timer_class = opt->timer_class;
		vm->kvm_ctl->storm_work = opt->storm_work;
		vm->timer_edge = true;
		vm->kvm_ctl->timer_edge = 1;
		vm->nmi_line = opt->nmi_us != 0;
		vm->kvm_ctl->nmi_on = vm->nmi_line;
	}

	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		err = create_vcpu(vm, i);
		if (err)
			return err;
	}
	vm->sync_regs =
		(ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS) != 0;
	vm->tsc_khz = (uint64_t)ioctl(vm->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);
	if ((int64_t)vm->tsc_khz <= 0)
		return -EINVAL;

	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		vm->devices[d].vm = vm;
		vm->devices[d].index = d;
		err = add_doorbell(vm, &vm->devices[d]);
		if (err)
			return err;
	}
	if (mode != DEMO_MODE_LAPIC) {
		err = create_pvirq(vm);
		if (err)
			return err;
	}

	vm->shared = (struct demo_shared *)(vm->mem + DEMO_SHARED_GPA);
	vm->shared->magic = DEMO_MAGIC;
	vm->shared->mode = mode;
	vm->shared->nr_vcpus = vm->nr_vcpus;
	vm->shared->nr_devices = vm->nr_devices;
	vm->shared->upcall_vector = PVIRQ_X86_UPCALL_VECTOR_DEFAULT;
	vm->shared->tsc_khz = vm->tsc_khz;
	vm->shared->retarget_period_tsc = opt->retarget_us * vm->tsc_khz / 1000;
	vm->shared->ipi_period_tsc = opt->ipi_us * vm->tsc_khz / 1000;
	return 0;
}

void demo_vm_destroy(struct demo_vm *vm)
{
	for (unsigned i = 0; i < DEMO_MAX_DEVICES; i++) {
		if (vm->devices[i].eventfd >= 0)
			close(vm->devices[i].eventfd);
		free(vm->devices[i].samples);
	}
	for (unsigned i = 0; i < DEMO_MAX_VCPUS; i++)
		free(vm->timer_late[i]);
	for (unsigned i = 0; i < DEMO_MAX_VCPUS; i++) {
		struct demo_vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->stats_fd >= 0)
			close(v->stats_fd);
		if (v->fd >= 0)
			close(v->fd);
	}
	if (vm->pvirq)
		pvirq_vm_destroy(vm->pvirq);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->mem)
		munmap(vm->mem, DEMO_MEM_SIZE);
}
