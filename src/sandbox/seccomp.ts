/**
 * The seccomp filter of RUN steps: everything allowed except the system calls Docker's
 * default profile refuses a container without extra capabilities (kernel modules and
 * keyrings, mounts and namespaces, clocks, reboot/swap/kexec, bpf, perf, userfaultfd,
 * handle-based opens, cross-process memory access). A deny list rather than Docker's
 * allow list: the capability set already refuses most privileged calls, and a build
 * must not break on a new harmless system call the list does not know yet. Names the
 * kernel or libseccomp lack on this architecture are skipped by runc.
 */
const DENIED = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module',
  'finit_module', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms', 'init_module',
  'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mount',
  'move_mount', 'name_to_handle_at', 'nfsservctl', 'open_by_handle_at', 'open_tree',
  'perf_event_open', 'pivot_root', 'process_vm_readv', 'process_vm_writev', 'query_module',
  'quotactl', 'reboot', 'request_key', 'setns', 'settimeofday', 'stime', 'swapoff', 'swapon',
  'syslog', 'sysfs', '_sysctl', 'umount', 'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat',
  'vm86', 'vm86old',
];

const ARCHITECTURES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

/** The runtime-spec `linux.seccomp` object. */
export function seccompProfile(arch: string = process.arch): Record<string, unknown> {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    ...(ARCHITECTURES[arch] ? { architectures: ARCHITECTURES[arch] } : {}),
    syscalls: [{ names: DENIED, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  };
}
