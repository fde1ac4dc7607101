# SPDX-License-Identifier: MIT
"""libpvirq's error codes as a Python exception hierarchy.

Every host-API failure raises a subclass of :class:`PvirqError` whose
``code`` is the C ``PVIRQ_E*`` value and whose message is the library's own
``pvirq_strerror()`` text. Argument errors also derive from the matching
built-in (``ValueError``, ``LookupError``) so generic handlers work.
"""
import re

from . import _constants as _c


class PvirqError(Exception):
    """A libpvirq operation failed; ``code`` is the negative ``PVIRQ_E*``."""

    code = None
    c_name = None

    def __init__(self, message=None, code=None):
        if code is not None:
            self.code = code
        super().__init__(message or self.c_name or "libpvirq error")


class InvalidArgument(PvirqError, ValueError):
    """PVIRQ_EINVAL: malformed argument or configuration."""
    code, c_name = _c.PVIRQ_EINVAL, "PVIRQ_EINVAL"


class NoSuchVcpu(PvirqError, LookupError):
    """PVIRQ_EVCPU: vCPU index out of range, or no vCPU has that CPU id."""
    code, c_name = _c.PVIRQ_EVCPU, "PVIRQ_EVCPU"


class InvalidIntid(PvirqError, ValueError):
    """PVIRQ_EINTID: INTID out of range or of the wrong class."""
    code, c_name = _c.PVIRQ_EINTID, "PVIRQ_EINTID"


class Disabled(PvirqError):
    """PVIRQ_EDISABLED: target instance disabled; the injection was dropped."""
    code, c_name = _c.PVIRQ_EDISABLED, "PVIRQ_EDISABLED"


class NoInterrupt(PvirqError):
    """PVIRQ_ENOINTR: acknowledge found nothing deliverable (spurious)."""
    code, c_name = _c.PVIRQ_ENOINTR, "PVIRQ_ENOINTR"


class InvalidInput(PvirqError, LookupError):
    """PVIRQ_EINPUT: rVID input number out of range."""
    code, c_name = _c.PVIRQ_EINPUT, "PVIRQ_EINPUT"


class Unmapped(PvirqError):
    """PVIRQ_EUNMAPPED: rVID input not mapped; the injection was ignored."""
    code, c_name = _c.PVIRQ_EUNMAPPED, "PVIRQ_EUNMAPPED"


class NoSpace(PvirqError):
    """PVIRQ_ENOSPC: buffer too small, or allocation failed."""
    code, c_name = _c.PVIRQ_ENOSPC, "PVIRQ_ENOSPC"


class SnapshotError(PvirqError):
    """A snapshot was rejected by restore; nothing was changed."""


class Truncated(SnapshotError):
    """PVIRQ_ETRUNCATED: snapshot shorter than its header says."""
    code, c_name = _c.PVIRQ_ETRUNCATED, "PVIRQ_ETRUNCATED"


class BadMagic(SnapshotError):
    """PVIRQ_EMAGIC: not a libpvirq snapshot."""
    code, c_name = _c.PVIRQ_EMAGIC, "PVIRQ_EMAGIC"


class UnsupportedVersion(SnapshotError):
    """PVIRQ_EVERSION: snapshot format version not supported."""
    code, c_name = _c.PVIRQ_EVERSION, "PVIRQ_EVERSION"


class BadChecksum(SnapshotError):
    """PVIRQ_ECHECKSUM: snapshot checksum mismatch."""
    code, c_name = _c.PVIRQ_ECHECKSUM, "PVIRQ_ECHECKSUM"


class ConfigMismatch(SnapshotError):
    """PVIRQ_ECONFIG: snapshot taken from a VM with another configuration."""
    code, c_name = _c.PVIRQ_ECONFIG, "PVIRQ_ECONFIG"


class Corrupt(SnapshotError):
    """PVIRQ_ECORRUPT: snapshot internally inconsistent."""
    code, c_name = _c.PVIRQ_ECORRUPT, "PVIRQ_ECORRUPT"


class NotDoorbell(PvirqError, ValueError):
    """PVIRQ_EADDRESS: MSI written to an address that is not the doorbell."""
    code, c_name = _c.PVIRQ_EADDRESS, "PVIRQ_EADDRESS"


class NotPvirqCall(PvirqError):
    """PVIRQ_ENOSYS: hypercall outside libpvirq's ranges."""
    code, c_name = _c.PVIRQ_ENOSYS, "PVIRQ_ENOSYS"


class TargetBusy(PvirqError):
    """PVIRQ_EBUSY: rVID MAP onto a (vCPU, INTID) another input is mapped to."""
    code, c_name = _c.PVIRQ_EBUSY, "PVIRQ_EBUSY"


class InstanceEnabled(PvirqError):
    """PVIRQ_EENABLED: the call needs the vCPU's instance disabled
    (sharing or unsharing its state page)."""
    code, c_name = _c.PVIRQ_EENABLED, "PVIRQ_EENABLED"


#: Exception class of every error code of the C header (common.h). A code
#: without a class of its own above gets a plain PvirqError subclass named
#: after its C name, so a code added to the header is never unknown here.
BY_CODE = {
    cls.code: cls
    for cls in (InvalidArgument, NoSuchVcpu, InvalidIntid, Disabled, NoInterrupt,
                InvalidInput, Unmapped, NoSpace, Truncated, BadMagic,
                UnsupportedVersion, BadChecksum, ConfigMismatch, Corrupt,
                NotDoorbell, NotPvirqCall, TargetBusy, InstanceEnabled)
}
for _name in dir(_c):
    _code = getattr(_c, _name)
    if re.fullmatch(r"PVIRQ_E[A-Z0-9]+", _name) and _code < 0 and _code not in BY_CODE:
        BY_CODE[_code] = globals()[_name[len("PVIRQ_"):]] = type(
            _name[len("PVIRQ_"):], (PvirqError,), {"code": _code, "c_name": _name,
                                                   "__doc__": f"{_name}.", "__module__": __name__})
del _name, _code
