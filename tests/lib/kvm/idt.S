/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest interrupt and exception entry points.  Exceptions are reported to
 * the host through guest_exception_report(); the one interrupt vector the
 * tests use just counts and returns.
 */
	.text
	.code64

	.globl guest_irq_stub
guest_irq_stub:
	lock incq guest_irq_count(%rip)
	iretq

/* 32 exception stubs, 16 bytes apart; each pushes a dummy error code where
 * the CPU pushes none, then its vector. */
	.balign 16
	.globl guest_exception_stubs
guest_exception_stubs:
	vector = 0
	.rept 32
	.balign 16
	.if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	.else
	pushq $0
	.endif
	pushq $vector
	jmp guest_exception_common
	vector = vector + 1
	.endr

guest_exception_common:
	/* stack: vector, error, rip, cs, rflags, rsp, ss */
	movq %rsp, %rdi
	andq $-16, %rsp
	call guest_exception_report
1:	hlt
	jmp 1b

	.section .note.GNU-stack,"",@progbits
