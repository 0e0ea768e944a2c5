// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-smoke: proves that /dev/kvm in the lab's L1 runs guests, on the
 * project's VMM library (tests/lib/kvm).  Checks the API version, creates a
 * VM with one vCPU (64-bit mode, this program's image as guest memory; the
 * library's first guest call touches all of it) and calls a guest function
 * that writes one byte to a port and halts, expecting exactly an I/O exit
 * with that byte and then a HLT exit; after the HLT the function returns
 * through the ucall channel.  Prints one "ok NAME" / "not ok NAME - ..."
 * line per check (a failed set-up: "not ok fatal - ..."); exits non-zero
 * if any check failed.  Built static, so it runs in L1 straight from the
 * host share; kvm-smoke-asan is the same under ASan/UBSan.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "kvm_util.h"
#include "tap.h"

enum {
	TEST_PORT = 0x10,
	TEST_BYTE = 0x42,
};

/* The guest: no in-kernel irqchip, so the HLT exits to this program. */
GUEST_CODE static void guest_out_hlt(uint64_t port, uint64_t byte)
{
	guest_outb((uint16_t)port, (uint8_t)byte);
	guest_hlt();
}

int main(void)
{
	int kvm_fd = kvm_open();	/* "not ok fatal" with the reason */

	pass("kvm-open");
	int version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);

	check(version == KVM_API_VERSION, "kvm-api-version",
	      "KVM_GET_API_VERSION returned %d, expected %d", version, KVM_API_VERSION);

	struct vm *vm = vm_create(1);	/* fatal on any failed ioctl */

	pass("kvm-create-vm");
	struct vcpu *vcpu = vm->vcpus[0];
	struct kvm_run *run = vcpu->run;

	check(vm->nr_vcpus == 1 && run, "kvm-create-vcpu", "%d vCPUs, kvm_run %p",
	      vm->nr_vcpus, (void *)run);

	vcpu_call(vcpu, guest_out_hlt, TEST_PORT, TEST_BYTE);
	uint32_t reason = vcpu_run_once(vcpu);
	const uint8_t *io_data = (const uint8_t *)run + run->io.data_offset;
	int is_io = reason == KVM_EXIT_IO;

	check(is_io && run->io.direction == KVM_EXIT_IO_OUT && run->io.port == TEST_PORT &&
	      run->io.size == 1 && run->io.count == 1 && io_data[0] == TEST_BYTE,
	      "kvm-guest-out",
	      "exit_reason %u (want %d), port 0x%x (want 0x%x), size %u, count %u, byte 0x%x",
	      reason, KVM_EXIT_IO, is_io ? run->io.port : 0, TEST_PORT,
	      is_io ? run->io.size : 0, is_io ? run->io.count : 0, is_io ? io_data[0] : 0);

	reason = vcpu_run_once(vcpu);
	check(reason == KVM_EXIT_HLT, "kvm-guest-hlt", "exit_reason %u, want KVM_EXIT_HLT (%d)",
	      reason, KVM_EXIT_HLT);

	/* The guest continues after its HLT, returns, and the ucall says so. */
	struct ucall uc = vcpu_run(vcpu);

	check(uc.cmd == UCALL_DONE, "kvm-guest-ucall-done", "%s", ucall_describe(&uc));
	vm_destroy(vm);
	return tap_failures() ? 1 : 0;
}
