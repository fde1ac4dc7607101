#include <pvirq/pvirq.h>
#include <stdio.h>

int main(void)
{
	struct pvirq_config cfg = {
		.nr_vcpus = 2, .nr_trusted = 32, .nr_untrusted = 32, .nr_rvid_inputs = 4};
	struct pvirq_vm *vm;
	uint32_t intid = 0;

	if (pvirq_vm_create(&cfg, &vm))
		return 1;
	pvirq_rvic_enable(vm, 1);	    /* guest: ENABLE on vCPU 1   */
	pvirq_rvic_clear_masked(vm, 1, 40); /* guest: unmask INTID 40    */
	pvirq_rvid_map(vm, 0, 1, 40);	    /* guest: input 0 -> (1, 40) */
	pvirq_rvid_inject(vm, 0);	    /* device model: raise edge  */
	if (pvirq_vcpu_rearm(vm, 1) &&	    /* VMM: line high? inject    */
	    pvirq_rvic_acknowledge(vm, 1, &intid) == PVIRQ_OK)
		printf("vCPU 1 took INTID %u\n", intid);
	pvirq_vm_destroy(vm);
	return intid == 40 ? 0 : 1;
}
