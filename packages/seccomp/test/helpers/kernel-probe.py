#!/usr/bin/env python3
"""Loads a seccomp BPF program into this process and reports what real
syscalls return, for @oci/seccomp's kernel test (x86_64 only).

argv: <bpf file> <flags> then syscalls as nr:a0,a1,... ; prints one JSON line
[{"load": seccomp(2) result}, {"nr": N, "ret": R, "errno": E}, ...]. The filter is loaded with
prctl(PR_SET_NO_NEW_PRIVS) + seccomp(SECCOMP_SET_MODE_FILTER), as the
container init does (seccomp(2)); the profile under test must allow what
python needs afterwards (write, exit).
"""
import ctypes, json, os, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

class SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]

PR_SET_NO_NEW_PRIVS = 38
SYS_seccomp = 317
SECCOMP_SET_MODE_FILTER = 1

def main():
    data = open(sys.argv[1], 'rb').read()
    flags = int(sys.argv[2])
    calls = []
    for spec in sys.argv[3:]:
        nr, _, args = spec.partition(':')
        calls.append((int(nr), [int(a) for a in args.split(',') if a != '']))
    buf = ctypes.create_string_buffer(data, len(data))
    prog = SockFprog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl')
    loaded = libc.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(prog))
    if loaded < 0:
        raise OSError(ctypes.get_errno(), 'seccomp')
    # with NEW_LISTENER, seccomp(2) returns the listener fd
    out = [{'load': loaded}]
    for nr, args in calls:
        ctypes.set_errno(0)
        cargs = [ctypes.c_long(a) for a in args]
        ret = libc.syscall(ctypes.c_long(nr), *cargs)
        out.append({'nr': nr, 'ret': ret, 'errno': ctypes.get_errno() if ret == -1 else 0})
    os.write(1, (json.dumps(out) + '\n').encode())

main()
