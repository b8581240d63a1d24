// oci-ts-probe: a static helper copied into the suite's image at
// /usr/local/bin/oci-ts-probe (like crun's tests/init.c). It makes system
// calls that busybox has no applet for and prints one line per call:
// "<name>=ok" or "<name>=<ERRNO>", so a scenario can tell a seccomp denial
// from a capability denial.
//
//	userfaultfd  userfaultfd(UFFD_USER_MODE_ONLY): needs no capability since
//	             Linux 5.11 (userfaultfd(2)); absent from the Docker, podman
//	             and containerd default profiles.
//	userns       unshare(CLONE_NEWUSER): needs no capability
//	             (user_namespaces(7)); Docker and containerd allow unshare
//	             only with CAP_SYS_ADMIN.
package main

import (
	"fmt"
	"os"
	"syscall"
)

const (
	uffdUserModeOnly = 1          // linux/userfaultfd.h
	cloneNewUser     = 0x10000000 // linux/sched.h
)

func errName(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "EPERM"
	case syscall.ENOSYS:
		return "ENOSYS"
	case syscall.EACCES:
		return "EACCES"
	case syscall.EINVAL:
		return "EINVAL"
	}
	return fmt.Sprintf("errno%d", int(e))
}

func main() {
	for _, what := range os.Args[1:] {
		var e syscall.Errno
		switch what {
		case "userfaultfd":
			fd, _, err := syscall.RawSyscall(userfaultfdNr(), uffdUserModeOnly|syscall.O_CLOEXEC, 0, 0)
			e = err
			if e == 0 {
				syscall.Close(int(fd))
			}
		case "userns":
			// clone(2) rather than unshare(2): the Go runtime is
			// multi-threaded and unshare(CLONE_NEWUSER) refuses that
			// (EINVAL). The child only exits. A child process, so the probe itself stays in its namespaces.
			pid, _, err := syscall.RawSyscall(syscall.SYS_CLONE, cloneNewUser|uintptr(syscall.SIGCHLD), 0, 0)
			e = err
			if e == 0 && pid == 0 {
				syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
			}
			if e == 0 {
				var ws syscall.WaitStatus
				syscall.Wait4(int(pid), &ws, 0, nil)
			}
		default:
			fmt.Fprintf(os.Stderr, "oci-ts-probe: unknown probe %q\n", what)
			os.Exit(2)
		}
		if e == 0 {
			fmt.Printf("%s=ok\n", what)
		} else {
			fmt.Printf("%s=%s\n", what, errName(e))
		}
	}
}
