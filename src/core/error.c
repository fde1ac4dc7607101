/* SPDX-License-Identifier: MIT */
/* Names of the host API's error codes, and the library's version. */
#include "pvirq/pvirq.h"

const char *pvirq_strerror(int err)
{
	switch (err) {
	case PVIRQ_OK: return "success";
	case PVIRQ_EINVAL: return "invalid argument";
	case PVIRQ_EVCPU: return "no such vCPU";
	case PVIRQ_EINTID: return "INTID out of range or of the wrong class";
	case PVIRQ_EDISABLED: return "target instance disabled";
	case PVIRQ_ENOINTR: return "no deliverable interrupt";
	case PVIRQ_EINPUT: return "rVID input out of range";
	case PVIRQ_EUNMAPPED: return "rVID input not mapped";
	case PVIRQ_ENOSPC: return "buffer too small";
	case PVIRQ_ETRUNCATED: return "snapshot truncated";
	case PVIRQ_EMAGIC: return "not a libpvirq snapshot";
	case PVIRQ_EVERSION: return "unsupported snapshot version";
	case PVIRQ_ECHECKSUM: return "snapshot checksum mismatch";
	case PVIRQ_ECONFIG: return "snapshot configuration mismatch";
	case PVIRQ_ECORRUPT: return "snapshot inconsistent";
	case PVIRQ_EADDRESS: return "not the MSI doorbell address";
	case PVIRQ_ENOSYS: return "not a libpvirq hypercall";
	case PVIRQ_EBUSY: return "(vCPU, INTID) already mapped by another rVID input";
	case PVIRQ_EENABLED: return "instance enabled: disable it first";
	default: return "unknown error";
	}
}

uint32_t pvirq_version(void)
{
	return PVIRQ_VERSION;
}
