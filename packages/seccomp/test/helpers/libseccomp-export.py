#!/usr/bin/env python3
"""Builds filters with libseccomp (Debian's python3-seccomp) the way runc
does (libcontainer/seccomp/seccomp_linux.go: skip rules whose action is the
default action, split rules that repeat an argument index) and exports them
as BPF, for the differential test of @oci/seccomp.

stdin: one JSON object
  {"tables": ["SCMP_ARCH_X86_64", ...], "names": [...]}  -> per-arch numbers
  {"profiles": [{"native": "SCMP_ARCH_X86_64", "seccomp": {...}}, ...]}
stdout: one JSON object with "tables" or "results" ([{"ok": true, "bpf": base64}
  or {"ok": false, "errno": N}]).
One process serves every profile so the test stays fast.
"""
import base64, json, os, sys, tempfile
import seccomp

ARCH = {
    'SCMP_ARCH_X86': seccomp.Arch.X86, 'SCMP_ARCH_X86_64': seccomp.Arch.X86_64, 'SCMP_ARCH_X32': seccomp.Arch.X32,
    'SCMP_ARCH_ARM': seccomp.Arch.ARM, 'SCMP_ARCH_AARCH64': seccomp.Arch.AARCH64, 'SCMP_ARCH_MIPS': seccomp.Arch.MIPS,
    'SCMP_ARCH_MIPS64': seccomp.Arch.MIPS64, 'SCMP_ARCH_MIPS64N32': seccomp.Arch.MIPS64N32, 'SCMP_ARCH_MIPSEL': seccomp.Arch.MIPSEL,
    'SCMP_ARCH_MIPSEL64': seccomp.Arch.MIPSEL64, 'SCMP_ARCH_MIPSEL64N32': seccomp.Arch.MIPSEL64N32, 'SCMP_ARCH_PPC': seccomp.Arch.PPC,
    'SCMP_ARCH_PPC64': seccomp.Arch.PPC64, 'SCMP_ARCH_PPC64LE': seccomp.Arch.PPC64LE, 'SCMP_ARCH_S390': seccomp.Arch.S390,
    'SCMP_ARCH_S390X': seccomp.Arch.S390X, 'SCMP_ARCH_PARISC': seccomp.Arch.PARISC, 'SCMP_ARCH_PARISC64': seccomp.Arch.PARISC64,
    'SCMP_ARCH_RISCV64': seccomp.Arch.RISCV64,
}
OPS = {
    'SCMP_CMP_NE': seccomp.NE, 'SCMP_CMP_LT': seccomp.LT, 'SCMP_CMP_LE': seccomp.LE, 'SCMP_CMP_EQ': seccomp.EQ,
    'SCMP_CMP_GE': seccomp.GE, 'SCMP_CMP_GT': seccomp.GT, 'SCMP_CMP_MASKED_EQ': seccomp.MASKED_EQ,
}


def action(name, errno_ret):
    # runc getAction(): KILL is KILL_THREAD, ERRNO/TRACE default to EPERM.
    data = 1 if errno_ret is None else errno_ret
    return {
        'SCMP_ACT_KILL': lambda: seccomp.KILL, 'SCMP_ACT_KILL_THREAD': lambda: seccomp.KILL,
        'SCMP_ACT_KILL_PROCESS': lambda: seccomp.KILL_PROCESS, 'SCMP_ACT_TRAP': lambda: seccomp.TRAP,
        'SCMP_ACT_ERRNO': lambda: seccomp.ERRNO(data), 'SCMP_ACT_TRACE': lambda: seccomp.TRACE(data),
        'SCMP_ACT_LOG': lambda: seccomp.LOG, 'SCMP_ACT_ALLOW': lambda: seccomp.ALLOW,
        'SCMP_ACT_NOTIFY': lambda: seccomp.NOTIFY,
    }[name]()


def build(native, prof, optimize=None):
    defact = action(prof['defaultAction'], prof.get('defaultErrnoRet'))
    f = seccomp.SyscallFilter(defact)
    if optimize:
        # 2 = libseccomp's binary tree layout (runc turns it on above 32 rules)
        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, optimize)
    # Make `native` the first arch, like the runtime compiling for that host.
    f.remove_arch(seccomp.Arch.NATIVE)
    f.add_arch(ARCH[native])
    for a in prof.get('architectures') or []:
        if not f.exist_arch(ARCH[a]):
            f.add_arch(ARCH[a])
    for sc in prof.get('syscalls') or []:
        act = action(sc['action'], sc.get('errnoRet'))
        if act == defact:
            continue
        conds = [seccomp.Arg(a['index'], OPS[a['op']], int(a['value']), int(a.get('valueTwo') or 0)) for a in sc.get('args') or []]
        idx = [a['index'] for a in sc.get('args') or []]
        split = len(idx) != len(set(idx))
        for name in sc['names']:
            # runc: GetSyscallFromName() failing means "unknown, ignored".
            if seccomp.resolve_syscall(seccomp.Arch.X86_64, name) == -1:
                continue
            if split:
                for c in conds:
                    f.add_rule(act, name, c)
            else:
                f.add_rule(act, name, *conds)
    with tempfile.TemporaryFile() as tmp:
        f.export_bpf(tmp)
        tmp.seek(0)
        return tmp.read()


def main():
    req = json.load(sys.stdin)
    if 'tables' in req:
        out = {}
        for a in req['tables']:
            out[a] = {n: seccomp.resolve_syscall(ARCH[a], n) for n in req['names']}
        json.dump({'tables': out}, sys.stdout)
        return
    results = []
    for item in req['profiles']:
        try:
            bpf = build(item['native'], item['seccomp'], item.get('optimize'))
            results.append({'ok': True, 'bpf': base64.b64encode(bpf).decode()})
        except RuntimeError as e:
            # "Library error (errno = -17)"
            msg = str(e)
            num = int(msg.rsplit('=', 1)[1].strip(' )')) if 'errno' in msg else 0
            results.append({'ok': False, 'errno': num, 'message': msg})
    json.dump({'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
