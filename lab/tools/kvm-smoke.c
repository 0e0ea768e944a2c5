/*
 * kvm-smoke: proves that /dev/kvm in the lab's L1 runs guests.  Checks the
 * API version, creates a VM with one vCPU and runs five bytes of real-mode
 * code (mov al,0x42; out 0x10,al; hlt), expecting exactly an I/O exit with
 * that byte and then a HLT exit.  Prints one "ok NAME" / "not ok NAME - ..."
 * line per check; exits 1 if any check failed.  Built static, so it runs in
 * L1 straight from the host share.
 */
#define _GNU_SOURCE /* O_CLOEXEC, MAP_ANONYMOUS under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"

enum {
	GUEST_CODE_ADDR = 0x1000,
	GUEST_MEM_SIZE = 0x1000,
	TEST_PORT = 0x10,
	TEST_BYTE = 0x42,
};

/* Reports a failed system call as a failed check; returns its result. */
static int checked(int result, const char *name, const char *call)
{
	if (result < 0)
		check(false, name, "%s: %s", call, strerror(errno));
	return result;
}

static int run_until_exit(int vcpu_fd, struct kvm_run *run, const char *name)
{
	if (checked(ioctl(vcpu_fd, KVM_RUN, 0), name, "KVM_RUN") < 0)
		return -1;
	return (int)run->exit_reason;
}

int main(void)
{
	static const uint8_t code[] = {
		0xb0, TEST_BYTE,	/* mov al, TEST_BYTE */
		0xe6, TEST_PORT,	/* out TEST_PORT, al */
		0xf4,			/* hlt */
	};
	int kvm_fd = checked(open("/dev/kvm", O_RDWR | O_CLOEXEC), "kvm-open", "open /dev/kvm");
	if (kvm_fd < 0)
		return 1;
	pass("kvm-open");

	int version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	check(version == KVM_API_VERSION, "kvm-api-version",
	      "KVM_GET_API_VERSION returned %d, expected %d", version, KVM_API_VERSION);

	int vm_fd = checked(ioctl(kvm_fd, KVM_CREATE_VM, 0), "kvm-create-vm", "KVM_CREATE_VM");
	if (vm_fd < 0)
		return 1;
	pass("kvm-create-vm");

	uint8_t *mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		check(false, "kvm-guest-memory", "mmap failed");
		return 1;
	}
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_CODE_ADDR,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (checked(ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region), "kvm-guest-memory",
		    "KVM_SET_USER_MEMORY_REGION") < 0)
		return 1;

	int vcpu_fd = checked(ioctl(vm_fd, KVM_CREATE_VCPU, 0), "kvm-create-vcpu",
			      "KVM_CREATE_VCPU");
	if (vcpu_fd < 0)
		return 1;
	int run_size = checked(ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), "kvm-create-vcpu",
			       "KVM_GET_VCPU_MMAP_SIZE");
	if (run_size < 0)
		return 1;
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				   vcpu_fd, 0);
	if (run == MAP_FAILED) {
		check(false, "kvm-create-vcpu", "mmap of kvm_run failed");
		return 1;
	}
	pass("kvm-create-vcpu");

	/* Real mode, flat code segment at 0, starting at the code. */
	struct kvm_sregs sregs;
	if (checked(ioctl(vcpu_fd, KVM_GET_SREGS, &sregs), "kvm-set-regs", "KVM_GET_SREGS") < 0)
		return 1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (checked(ioctl(vcpu_fd, KVM_SET_SREGS, &sregs), "kvm-set-regs", "KVM_SET_SREGS") < 0)
		return 1;
	struct kvm_regs regs = { .rip = GUEST_CODE_ADDR, .rflags = 0x2 };
	if (checked(ioctl(vcpu_fd, KVM_SET_REGS, &regs), "kvm-set-regs", "KVM_SET_REGS") < 0)
		return 1;

	int reason = run_until_exit(vcpu_fd, run, "kvm-guest-out");
	if (reason < 0)
		return 1;
	const uint8_t *io_data = (const uint8_t *)run + run->io.data_offset;
	int io_ok = reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == TEST_PORT && run->io.size == 1 && run->io.count == 1 &&
		    io_data[0] == TEST_BYTE;
	check(io_ok, "kvm-guest-out",
	      "exit_reason %d (want %d), port 0x%x (want 0x%x), size %u, count %u, byte 0x%x",
	      reason, KVM_EXIT_IO, reason == KVM_EXIT_IO ? run->io.port : 0, TEST_PORT,
	      reason == KVM_EXIT_IO ? run->io.size : 0,
	      reason == KVM_EXIT_IO ? run->io.count : 0,
	      reason == KVM_EXIT_IO ? io_data[0] : 0);

	reason = run_until_exit(vcpu_fd, run, "kvm-guest-hlt");
	if (reason < 0)
		return 1;
	check(reason == KVM_EXIT_HLT, "kvm-guest-hlt", "exit_reason %d, want KVM_EXIT_HLT (%d)",
	      reason, KVM_EXIT_HLT);

	return tap_failures() ? 1 : 0;
}
