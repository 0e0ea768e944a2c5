// SPDX-License-Identifier: GPL-2.0
/*
 * Code that runs in the guest: the entry trampoline, the ucall channel, the
 * report of a failed assertion or an unexpected exception.  See guest.h.
 */
#include "guest.h"

volatile uint64_t guest_irq_count;

GUEST_CODE uint64_t guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.args[4] = a4;
	uc.args[5] = a5;
	uc.file = 0;
	uc.expr = 0;
	uc.line = 0;
	uc.reply = 0;
	/* One OUT: exactly one I/O exit per ucall (the stack is below 4 GiB). */
	__asm__ volatile("outl %0, %w1"
			 : : "a"((uint32_t)(uintptr_t)&uc), "d"(UCALL_PORT)
			 : "memory");
	return uc.reply;
}

GUEST_CODE void guest_assert_fail(const char *file, uint64_t line, const char *expr,
		       uint64_t a, uint64_t b)
{
	struct ucall uc;

	uc.cmd = UCALL_ASSERT;
	uc.args[0] = a;
	uc.args[1] = b;
	uc.file = file;
	uc.expr = expr;
	uc.line = line;
	for (;;)
		__asm__ volatile("outl %0, %w1"
				 : : "a"((uint32_t)(uintptr_t)&uc),
				   "d"(UCALL_PORT)
				 : "memory");
}

/* Called by the exception stubs in idt.S with the stub's frame. */
GUEST_CODE void guest_exception_report(const uint64_t *frame);
GUEST_CODE void guest_exception_report(const uint64_t *frame)
{
	/* frame: vector, error code, then the CPU's RIP, CS, RFLAGS... */
	for (;;)
		guest_ucall(UCALL_EXCEPTION, frame[0], frame[1], frame[2],
			    frame[4], 0, 0);
}

/*
 * Touch every page once with a write of the value already there, so that
 * KVM maps the whole RAM before any test counts nested page faults.
 */
GUEST_CODE void guest_prefault(uint64_t start, uint64_t end)
{
	for (uint64_t p = start; p < end; p += 4096) {
		volatile uint8_t *byte = (volatile uint8_t *)p;

		*byte = *byte;
	}
}

GUEST_CODE void guest_start(guest_fn fn, uint64_t arg0, uint64_t arg1)
{
	fn(arg0, arg1);
	for (;;)
		guest_ucall(UCALL_DONE, 0, 0, 0, 0, 0, 0);
}
